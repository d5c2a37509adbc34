package views

import (
	"strconv"
	"strings"
)

// CataloguePath is the event catalogue's URL.
const CataloguePath = "/events"

// eventAnchor is the id of an event type's section in the catalogue.
func eventAnchor(event string) string {
	return "event-" + strings.ReplaceAll(event, ".", "-")
}

// catalogueURL links to an event type's section of the catalogue, or to
// the catalogue when event is "".
func catalogueURL(event string) string {
	if event == "" {
		return CataloguePath
	}
	return CataloguePath + "#" + eventAnchor(event)
}

// kib writes a size in bytes as whole KiB: "16 KiB".
func kib(n int) string {
	return strconv.Itoa(n>>10) + " KiB"
}
