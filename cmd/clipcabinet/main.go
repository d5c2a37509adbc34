// Command clipcabinet is the ClipCabinet webhook service: the dashboard, the
// service API and the dispatcher in one binary, plus its migrations, user
// provisioning and a local test receiver.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Getenv, os.Stdin, os.Stdout, os.Stderr); err != nil {
		if !errors.Is(err, flag.ErrHelp) {
			fmt.Fprintln(os.Stderr, "clipcabinet:", err)
		}
		os.Exit(1)
	}
}

const usage = `usage: clipcabinet <command> [flags]

commands:
  serve [--no-migrate]               migrate, then serve the dashboard, API and dispatcher
  migrate [up|down|status]           apply, roll back or list database migrations
  user create --email E [--password P] [--name N] [--admin] [--id user_...]
                                     create a user and print its id; without --password the
                                     password is read from stdin (a prompt on a terminal)
  user set-password --email E [--password P]
                                     set a user's dashboard password, read the same way
  receive --secret whsec_... [--secret whsec_...] [--standard] [--addr 127.0.0.1:9000]
                                     a local receiver that verifies and prints deliveries
  key rotate --new KEY [--old KEY]   re-encrypt every stored signing secret with a new
                                     CLIPCABINET_ENCRYPTION_KEY (--old defaults to the current one)

configuration comes from the environment: see README.md.
`

func run(ctx context.Context, args []string, getenv func(string) string, stdin io.Reader, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return errors.New("no command given")
	}
	switch args[0] {
	case "serve":
		return serve(ctx, args[1:], getenv, stderr)
	case "migrate":
		return migrate(ctx, args[1:], getenv, stdout)
	case "user":
		return user(ctx, args[1:], getenv, stdin, stdout, stderr)
	case "receive":
		return receive(ctx, args[1:], stdout, stderr)
	case "key":
		return key(ctx, args[1:], getenv, stdout, stderr)
	case "help", "-h", "--help":
		fmt.Fprint(stdout, usage)
		return nil
	}
	fmt.Fprint(stderr, usage)
	return fmt.Errorf("unknown command %q", args[0])
}
