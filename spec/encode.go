package spec

import (
	"bytes"

	"github.com/BurntSushi/toml"
)

// Encode writes the spec (with any changes made since it was read) as TOML
// that Parse reads back to the same network.
func (s *Spec) Encode() ([]byte, error) {
	var b bytes.Buffer
	enc := toml.NewEncoder(&b)
	enc.Indent = ""
	if err := enc.Encode(s); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}
