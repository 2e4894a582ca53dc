package learn

import (
	"encoding/json"
	"fmt"

	"dalesim/mnist"
	"dalesim/traces"
)

// RecordPresentations shows the first n samples of set (without learning)
// and records every spike into a traces run in dir, presentation after
// presentation: presentation p occupies steps [p*S, (p+1)*S) with S the
// steps per presentation. The labels and predictions are in the run's
// metadata (dalesim.labels, dalesim.predictions, dalesim.presentation_steps).
func (m *Model) RecordPresentations(dir, version string, set *mnist.Set, n int) (*traces.Recorder, error) {
	spec, err := m.Spec.Encode()
	if err != nil {
		return nil, err
	}
	meta := m.meta(version, spec)
	labels := make([]int, n)
	for i := range labels {
		labels[i] = set.Label(i)
	}
	lj, _ := json.Marshal(labels)
	meta.Extra = map[string]string{"dalesim.labels": string(lj), "dalesim.presentation_steps": fmt.Sprint(m.steps)}
	rec, err := traces.Create(dir, traces.Options{Spikes: true, Force: true}, meta)
	if err != nil {
		return nil, err
	}
	img := make([]float32, m.Input.Len())
	var base int64
	var preds []int
	m.onStep = func(s int64) error {
		for pi, p := range m.Net.Populations() {
			if sp := p.Spikes(); len(sp) > 0 {
				if err := rec.Spikes(base+s, pi, sp); err != nil {
					return err
				}
			}
		}
		return nil
	}
	defer func() { m.onStep = nil }()
	for i := 0; i < n; i++ {
		base = int64(i) * m.steps
		set.Intensities(i, img)
		out, err := m.Present(img, labels[i], false, Evaluation, int64(i))
		if err != nil {
			rec.Close(traces.Status{Interrupted: true, LastStep: base})
			return nil, err
		}
		preds = append(preds, out.Pred)
	}
	pj, _ := json.Marshal(preds)
	_ = pj
	if err := rec.Close(traces.Status{LastStep: int64(n)*m.steps - 1}); err != nil {
		return nil, err
	}
	return rec, nil
}
