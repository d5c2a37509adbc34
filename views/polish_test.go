package views

import "testing"

// The line-break helpers write raw HTML: what they are given must come
// out escaped, with <wbr> only where they put it.
func TestBreakableText(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ name, in, want string }{
		{"url", "https://example.com/hooks/clip?tenant=a&x=1", "https://example.com/<wbr>hooks/<wbr>clip<wbr>?tenant=a<wbr>&amp;x=1"},
		{"trailing slash", "http://127.0.0.1:9/", "http://127.0.0.1:9/<wbr>"},
		{"double slash in the path", "https://h/a//b", "https://h/<wbr>a//<wbr>b"},
		{"markup", `https://h/<script>"x"</script>`, "https://h/<wbr>&lt;script&gt;&#34;x&#34;&lt;/<wbr>script&gt;"},
		{"utf-8", "https://h/größe", "https://h/<wbr>größe"},
	} {
		if got := urlHTML(tc.in); got != tc.want {
			t.Errorf("%s: urlHTML(%q) = %q, want %q", tc.name, tc.in, got, tc.want)
		}
	}
	if got, want := dottedHTML(`recording.<b>x</b>`), "recording.<wbr>&lt;b&gt;x&lt;/b&gt;"; got != want {
		t.Errorf("dottedHTML = %q, want %q", got, want)
	}
}
