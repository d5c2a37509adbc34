package main

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/mail"
	"os"
	"os/exec"
	"strings"

	"github.com/clipcabinet/webhooks/internal/auth"
	"github.com/clipcabinet/webhooks/internal/store"
	"github.com/clipcabinet/webhooks/internal/webhook"
)

const userUsage = "usage: clipcabinet user create --email E [--password P] [--name N] [--admin] [--id user_...]\n" +
	"       clipcabinet user set-password --email E [--password P]\n" +
	"without --password the password is read from stdin (a prompt on a terminal)"

func user(ctx context.Context, args []string, getenv func(string) string, stdin io.Reader, stdout, stderr io.Writer) error {
	if len(args) == 0 || (args[0] != "create" && args[0] != "set-password") {
		return errors.New(userUsage)
	}
	fs := flag.NewFlagSet("user "+args[0], flag.ContinueOnError)
	fs.SetOutput(stderr)
	email := fs.String("email", "", "email address (required)")
	password := fs.String("password", "", "dashboard password; read from stdin (a prompt on a terminal) when not given, "+
		"so it stays out of the process list and the shell history")
	var name, id *string
	var admin, ifMissing *bool
	if args[0] == "create" {
		name = fs.String("name", "", "display name")
		admin = fs.Bool("admin", false, "make the user an admin")
		id = fs.String("id", "", "the user's id (user_...); generated when empty")
		ifMissing = fs.Bool("if-missing", false, "print the existing user's id instead of failing when the email is taken")
	}
	if err := fs.Parse(args[1:]); err != nil {
		return err
	}
	if a, err := mail.ParseAddress(*email); err != nil || a.Address != *email {
		return errors.New("--email: must be an email address such as jamie@example.com")
	}
	if id != nil && *id != "" && !webhook.UserIDPattern.MatchString(*id) {
		return errors.New("--id: must be user_ followed by 1 to 64 letters, digits, _ or -")
	}
	if *password == "" {
		p, err := readPassword(stdin, stderr)
		if err != nil {
			return fmt.Errorf("--password: %w", err)
		}
		*password = p
	}
	if msg := auth.CheckPasswordStrength(*password); msg != "" {
		return errors.New("--password: " + msg)
	}
	pool, err := connectDB(ctx, getenv)
	if err != nil {
		return err
	}
	defer pool.Close()
	st, err := store.New(pool, store.Options{})
	if err != nil {
		return err
	}
	hash, err := auth.HashPassword(*password)
	if err != nil {
		return err
	}
	if args[0] == "set-password" {
		if err := st.UserSetPassword(ctx, *email, hash); errors.Is(err, store.ErrNotFound) {
			return errors.New("--email: no user has this email")
		} else if err != nil {
			return err
		}
		fmt.Fprintln(stderr, "password set")
		return nil
	}
	if *id == "" {
		*id = webhook.NewID(webhook.PrefixUser)
	}
	u, err := st.UserCreate(ctx, store.NewUser{ID: *id, Email: *email, Name: *name, PasswordHash: &hash, Admin: *admin})
	if errors.Is(err, store.ErrConflict) && *ifMissing {
		if existing, gerr := st.UserByEmail(ctx, *email); gerr == nil {
			fmt.Fprintln(stdout, existing.ID)
			return nil
		}
	}
	if errors.Is(err, store.ErrConflict) {
		return errors.New("a user with this email or id already exists")
	}
	if err != nil {
		return err
	}
	fmt.Fprintln(stdout, u.ID)
	return nil
}

// readPassword reads a password: on a terminal after a prompt, with echo
// off; otherwise the first line of stdin.
func readPassword(stdin io.Reader, stderr io.Writer) (string, error) {
	if stdin == nil {
		return "", errors.New("is required")
	}
	if f, ok := stdin.(*os.File); ok {
		if fi, err := f.Stat(); err == nil && fi.Mode()&os.ModeCharDevice != 0 {
			fmt.Fprint(stderr, "Password: ")
			if echoOff(f) == nil {
				defer func() { _ = echoOn(f); fmt.Fprintln(stderr) }()
			}
		}
	}
	line, err := bufio.NewReader(stdin).ReadString('\n')
	if err != nil && !errors.Is(err, io.EOF) {
		return "", err
	}
	line = strings.TrimRight(line, "\r\n")
	if line == "" {
		return "", errors.New("is required: give --password, or the password on stdin")
	}
	return line, nil
}

func echoOff(tty *os.File) error { return stty(tty, "-echo") }
func echoOn(tty *os.File) error  { return stty(tty, "echo") }

func stty(tty *os.File, arg string) error {
	cmd := exec.Command("stty", arg)
	cmd.Stdin = tty
	return cmd.Run()
}
