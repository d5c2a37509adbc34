-- name: AttemptListByDelivery :many
SELECT * FROM attempts WHERE delivery_id = $1 ORDER BY number;
