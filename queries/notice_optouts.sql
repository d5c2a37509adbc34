-- name: NoticeOptoutList :many
-- The kinds of notice email the user turned off.
SELECT kind FROM notice_optouts WHERE user_id = $1 ORDER BY kind;

-- name: NoticeOptoutSet :exec
-- Makes the user's turned-off kinds exactly these.
WITH gone AS (
    DELETE FROM notice_optouts
    WHERE user_id = @user_id::text AND NOT (kind = ANY (@kinds::text[]))
)
INSERT INTO notice_optouts (user_id, kind)
SELECT @user_id::text, k FROM unnest(@kinds::text[]) AS k
ON CONFLICT DO NOTHING;

-- name: NoticeOptoutAdd :exec
-- Turns one kind off (the one-click unsubscribe).
INSERT INTO notice_optouts (user_id, kind) VALUES ($1, $2) ON CONFLICT DO NOTHING;
