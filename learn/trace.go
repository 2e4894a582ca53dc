package learn

import (
	"encoding/json"
	"fmt"

	"dalesim/mnist"
	"dalesim/monitor"
)

// Metadata keys of a presentations run.
const (
	KeyLabels            = "dalesim.labels"             // JSON list, one label per presentation
	KeyPredictions       = "dalesim.predictions"        // JSON list, one predicted class per presentation
	KeyPresentationSteps = "dalesim.presentation_steps" // steps per presentation
)

// RecordPresentations shows the first n samples of set (without learning)
// and records every spike into a traces run in dir through a
// monitor.Spikes, presentation after presentation: presentation p occupies
// steps [p*S, (p+1)*S) with S the steps per presentation. The labels, the
// predictions and S are in the run's metadata (KeyLabels, KeyPredictions,
// KeyPresentationSteps). It returns the predictions.
func (m *Model) RecordPresentations(dir, version string, set *mnist.Set, n int) ([]int, error) {
	text, err := m.Spec.Encode()
	if err != nil {
		return nil, err
	}
	labels := make([]int, n)
	for i := range labels {
		labels[i] = set.Label(i)
	}
	lj, _ := json.Marshal(labels)
	spikes, err := monitor.NewSpikes(m.Net)
	if err != nil {
		return nil, err
	}
	rec, err := monitor.Start(dir, m.Net, monitor.Options{Version: version, Force: true, SpecText: string(text),
		Extra: map[string]string{KeyLabels: string(lj), KeyPresentationSteps: fmt.Sprint(m.steps)}}, spikes)
	if err != nil {
		return nil, err
	}
	m.mons = append(m.mons, rec.Monitors()...)
	defer func() { m.mons = m.mons[:2] }()
	img := make([]float32, m.Input.Len())
	preds := make([]int, 0, n)
	for i := 0; i < n; i++ {
		base := int64(i) * m.steps
		rec.SetStepOffset(base - presentationStep(Evaluation, int64(i), m.steps))
		set.Intensities(i, img)
		out, err := m.Present(img, labels[i], false, Evaluation, int64(i))
		if err != nil {
			rec.Close(true)
			return nil, err
		}
		preds = append(preds, out.Pred)
	}
	pj, _ := json.Marshal(preds)
	if err := rec.CloseWith(false, map[string]string{KeyPredictions: string(pj)}); err != nil {
		return nil, err
	}
	return preds, nil
}
