package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"

	"github.com/clipcabinet/webhooks/internal/config"
	"github.com/clipcabinet/webhooks/internal/store"
)

const keyUsage = "usage: clipcabinet key rotate --new NEW_KEY [--old OLD_KEY]"

// key rotate re-seals every stored signing secret with a new encryption
// key, in one transaction. --old defaults to CLIPCABINET_ENCRYPTION_KEY.
// Afterwards serve must be started with the new key: it refuses the old.
func key(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	if len(args) == 0 || args[0] != "rotate" {
		return errors.New(keyUsage)
	}
	fs := flag.NewFlagSet("key rotate", flag.ContinueOnError)
	fs.SetOutput(stderr)
	oldFlag := fs.String("old", getenv("CLIPCABINET_ENCRYPTION_KEY"), "the key the secrets are sealed with now (base64 of 32 bytes) [CLIPCABINET_ENCRYPTION_KEY]")
	newFlag := fs.String("new", "", "the key to seal them with (base64 of 32 bytes; make one with: openssl rand -base64 32)")
	if err := fs.Parse(args[1:]); err != nil {
		return err
	}
	if *oldFlag == "" {
		return errors.New("--old: is required (or CLIPCABINET_ENCRYPTION_KEY): the key the secrets are sealed with now")
	}
	oldKey, err := config.ParseKey(*oldFlag)
	if err != nil {
		return fmt.Errorf("--old: %w", err)
	}
	if *newFlag == "" {
		return errors.New("--new: is required: " + keyUsage)
	}
	newKey, err := config.ParseKey(*newFlag)
	if err != nil {
		return fmt.Errorf("--new: %w", err)
	}
	pool, err := connectDB(ctx, getenv)
	if err != nil {
		return err
	}
	defer pool.Close()
	n, err := store.RotateKey(ctx, pool, oldKey, newKey)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "re-encrypted %d signing secrets; start serve with CLIPCABINET_ENCRYPTION_KEY set to the new key\n", n)
	return nil
}
