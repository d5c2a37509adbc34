package web

import (
	"github.com/clipcabinet/webhooks/internal/store"
	"github.com/clipcabinet/webhooks/views"
)

// noticePageSize is how many notices a page shows.
const noticePageSize = 30

// noticeRow is a user's notice as their list shows it, with links to the
// endpoint and its recovery form.
func noticeRow(n store.Notice) views.NoticeRow {
	return views.NoticeRow{
		ID: n.ID, Kind: n.Kind, Title: views.NoticeTitle(n.Kind, n.EndpointUrl), EndpointURL: n.EndpointUrl,
		EndpointLink: endpointPath(n.EndpointID), RecoverLink: views.NoticeRecoverPath(n.EndpointID, n.FailingSince),
		Reason:      n.Reason,
		LastError:   views.NoticeLastError(n.LastOutcome, n.LastStatusCode, n.LastError),
		FailedCount: int(n.FailedCount), FailedSince: n.FailingSince,
		At: n.CreatedAt, Unread: n.ReadAt == nil,
	}
}

// adminNoticeRow is a notice as the admin's list shows it: the owner and
// the email's state, no links into the owner's dashboard.
func adminNoticeRow(n store.AdminNotice) views.NoticeRow {
	row := noticeRow(store.Notice{
		ID: n.ID, UserID: n.UserID, EndpointID: n.EndpointID, Kind: n.Kind, EndpointUrl: n.EndpointUrl,
		Reason: n.Reason, LastOutcome: n.LastOutcome, LastStatusCode: n.LastStatusCode, LastError: n.LastError,
		FailedCount: n.FailedCount, FailingSince: n.FailingSince, Email: n.Email, CreatedAt: n.CreatedAt,
	})
	row.EndpointLink, row.RecoverLink = "", ""
	row.Owner = n.OwnerEmail
	if row.Owner == "" {
		row.Owner = n.UserID
	}
	row.Mail = views.MailState{State: n.MailState, Attempts: int(n.MailAttempts), Error: deref(n.MailError),
		SentAt: n.MailSentAt, DueAt: n.MailDueAt}
	return row
}
