package views

// SigCheckView is the endpoint page's signature checker: the form as it
// was filled in, and the answer once there is one.
type SigCheckView struct {
	EndpointID string
	Body       string
	Signature  string
	Result     *SigCheckResult
}

// SigCheckResult names the case a pasted body and signature are.
type SigCheckResult struct {
	// Case is "match", "pending", "previous", "body-altered", "no-prefix",
	// "base64-decoded", "no-match" or "invalid" (the form is not filled in
	// right).
	Case   string
	Title  string
	Detail string
	Notes  []string // format slips noticed beside the case
}

// OK reports whether the signature is one the endpoint makes.
func (r SigCheckResult) OK() bool { return r.Case == "match" || r.Case == "pending" }

// sigCheckFor is the page's checker: empty until a check fills it in.
func sigCheckFor(v EndpointView) SigCheckView {
	c := v.SigCheck
	c.EndpointID = v.ID
	return c
}
