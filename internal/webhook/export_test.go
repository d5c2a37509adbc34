package webhook

// The implementation before the single-pass rewrite, for the external tests.
var (
	ReferenceValidateData = referenceValidateData
	ReferenceRenderBody   = referenceRenderBody
)

// NewIDAt is NewID with the clock given.
var NewIDAt = newIDAt
