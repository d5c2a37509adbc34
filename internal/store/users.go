package store

import (
	"context"

	"github.com/clipcabinet/webhooks/db"
)

// User is an account as the store returns it.
type User = db.User

// NewUser is what UserCreate needs. PasswordHash is nil for users the API
// provisions: they cannot log in to the dashboard until one is set.
type NewUser struct {
	ID           string
	Email        string
	Name         string
	PasswordHash *string
	Admin        bool
}

// UserCreate inserts a user; ErrConflict when the id or email is taken.
func (s *Store) UserCreate(ctx context.Context, u NewUser) (User, error) {
	row, err := s.q.UserInsert(ctx, db.UserInsertParams{
		ID: u.ID, Email: u.Email, Name: u.Name, PasswordHash: u.PasswordHash, Admin: u.Admin,
	})
	if err != nil {
		return User{}, wrap("user create", err)
	}
	return row, nil
}

// UserGet returns a user by id.
func (s *Store) UserGet(ctx context.Context, id string) (User, error) {
	u, err := s.q.UserGet(ctx, id)
	return u, wrap("user get", err)
}

// UserByEmail returns a user by email, case-insensitively.
func (s *Store) UserByEmail(ctx context.Context, email string) (User, error) {
	u, err := s.q.UserGetByEmail(ctx, email)
	return u, wrap("user by email", err)
}

// UserSetPassword sets the dashboard password hash of the user with the
// email; ErrNotFound when there is none.
func (s *Store) UserSetPassword(ctx context.Context, email, hash string) error {
	n, err := s.q.UserSetPassword(ctx, db.UserSetPasswordParams{Email: email, PasswordHash: &hash})
	if err != nil {
		return wrap("user set password", err)
	}
	if n == 0 {
		return wrap("user set password", ErrNotFound)
	}
	return nil
}
