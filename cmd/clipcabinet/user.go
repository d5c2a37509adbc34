package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/mail"
	"regexp"

	"github.com/clipcabinet/webhooks/internal/auth"
	"github.com/clipcabinet/webhooks/internal/store"
	"github.com/clipcabinet/webhooks/internal/webhook"
)

// userIDPattern is the API's rule for a given user id (web/api_users.go):
// an id outside it, such as user_a/b, could never be named in an API path.
var userIDPattern = regexp.MustCompile(`^user_[A-Za-z0-9_-]{1,64}$`)

func user(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	if len(args) == 0 || args[0] != "create" {
		return errors.New("usage: clipcabinet user create --email E --password P [--name N] [--admin] [--id user_...]")
	}
	fs := flag.NewFlagSet("user create", flag.ContinueOnError)
	fs.SetOutput(stderr)
	email := fs.String("email", "", "email address (required)")
	password := fs.String("password", "", "dashboard password (required)")
	name := fs.String("name", "", "display name")
	admin := fs.Bool("admin", false, "make the user an admin")
	id := fs.String("id", "", "the user's id (user_...); generated when empty")
	ifMissing := fs.Bool("if-missing", false, "print the existing user's id instead of failing when the email is taken")
	if err := fs.Parse(args[1:]); err != nil {
		return err
	}
	if a, err := mail.ParseAddress(*email); err != nil || a.Address != *email {
		return errors.New("--email: must be an email address such as jamie@example.com")
	}
	if msg := auth.CheckPasswordStrength(*password); msg != "" {
		return errors.New("--password: " + msg)
	}
	if *id == "" {
		*id = webhook.NewID("user_")
	} else if !userIDPattern.MatchString(*id) {
		return errors.New("--id: must be user_ followed by 1 to 64 letters, digits, _ or -")
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
