package neuron

import "fmt"

// Identity is a population's fixed sign under Dale's law.
type Identity uint8

// The two identities. The zero value is invalid, so a population cannot be
// created with an identity by accident.
const (
	Excitatory Identity = iota + 1
	Inhibitory
)

// ParseIdentity reads "excitatory" or "inhibitory" (also "E", "I").
func ParseIdentity(s string) (Identity, error) {
	switch s {
	case "excitatory", "E", "exc":
		return Excitatory, nil
	case "inhibitory", "I", "inh":
		return Inhibitory, nil
	}
	return 0, fmt.Errorf("identity = %q: must be \"excitatory\" or \"inhibitory\"", s)
}

// Valid reports whether id is Excitatory or Inhibitory.
func (id Identity) Valid() bool { return id == Excitatory || id == Inhibitory }

// Sign is +1 for excitatory and -1 for inhibitory populations.
func (id Identity) Sign() int8 {
	if id == Inhibitory {
		return -1
	}
	return 1
}

func (id Identity) String() string {
	switch id {
	case Excitatory:
		return "excitatory"
	case Inhibitory:
		return "inhibitory"
	}
	return fmt.Sprintf("Identity(%d)", uint8(id))
}
