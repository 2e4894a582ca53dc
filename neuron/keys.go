package neuron

import "slices"

var (
	lifCommon   = []string{"tau_m_ms", "v_rest_mV", "v_reset_mV", "v_thresh_mV", "t_ref_ms", "i_ext_mV", "theta_step_mV", "tau_theta_ms"}
	lifRequired = []string{"tau_m_ms", "v_rest_mV", "v_reset_mV", "v_thresh_mV"}
)

// Has reports whether spec key k is a parameter of model m.
func (m Model) Has(k string) bool {
	switch m {
	case Delta:
		return slices.Contains(lifCommon, k) || k == "refractory_input"
	case CUBA:
		return slices.Contains(lifCommon, k) || k == "tau_e_ms" || k == "tau_i_ms"
	case COBA:
		return slices.Contains(lifCommon, k) || k == "tau_e_ms" || k == "tau_i_ms" ||
			k == "e_rev_e_mV" || k == "e_rev_i_mV" || k == "g_leak_nS"
	}
	return false
}

// Requires reports whether spec key k must be given for model m.
func (m Model) Requires(k string) bool {
	if !m.Has(k) {
		return false
	}
	switch k {
	case "tau_e_ms", "tau_i_ms", "e_rev_e_mV", "e_rev_i_mV", "g_leak_nS":
		return true
	}
	return slices.Contains(lifRequired, k)
}

// Vars lists the state variables of model m that monitors can record.
func (m Model) Vars() []string {
	switch m {
	case Delta:
		return []string{"v", "theta"}
	case CUBA, COBA:
		return []string{"v", "ge", "gi", "theta"}
	}
	return nil
}

// HasVar reports whether m has the state variable v.
func (m Model) HasVar(v string) bool { return slices.Contains(m.Vars(), v) }
