package views

// FindFilter is the search filters the drawer and the admin list share,
// as typed, with a message per bad value (keyed by parameter name).
type FindFilter struct {
	Recording, EventID, Outcome, Code, From, To string
	Outcomes                                    []string
	Errors                                      map[string]string
}

// Open is whether the disclosure holding these filters starts open: one
// is set, or wrong.
func (f FindFilter) Open() bool {
	return f.Recording != "" || f.EventID != "" || f.Outcome != "" || f.Code != "" || f.From != "" || f.To != "" || len(f.Errors) > 0
}
