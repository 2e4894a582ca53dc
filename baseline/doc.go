// Package baseline provides backprop baselines for the spiking network:
// a one-hidden-layer rate MLP trained with mini-batch Adam (optionally
// with non-negative, L1-sparsified weights), magnitude pruning, and
// L-infinity adversarial attacks (FGSM, PGD) plus Gaussian noise that
// work against any model exposing an input gradient. They serve as the
// reference points for the few-shot, robustness, continual-learning and
// sparsity comparisons.
//
// # Model
//
// For an input x in [0,1]^D (D = Config.Inputs, 784 for MNIST),
//
//	h = f(W1ᵀ x + b1)          W1: D×H, f = ReLU (default) or tanh
//	z = W2ᵀ h + b2             W2: H×C, C = Config.Classes
//	p = softmax(z),  p_k = exp(z_k) / Σ_j exp(z_j)
//
// Output k stands for label k; all C outputs exist from the start, so a
// model trained on some classes and then on others (class-incremental
// continual learning) keeps one shared head.
//
// # Loss
//
// A mini-batch B of samples (x_n, y_n) is scored by the mean
// cross-entropy
//
//	L(θ) = -(1/|B|) Σ_n log p_{y_n}(x_n)
//
// whose gradients are computed by backprop with gonum's Dense.Mul:
// dL/dz = (P - Y)/|B|, dW2 = Hᵀ dL/dz, dL/dh = dL/dz W2ᵀ, dL/da =
// dL/dh ⊙ f'(a), dW1 = Xᵀ dL/da (biases: column sums). The full objective
// adds λ Σ|w| over both weight matrices (Config.L1; biases are not
// penalised). InputGradient returns dL/dx = W1 (f'(a) ⊙ W2 (p - e_y)) for
// one sample, without the L1 term (it does not depend on x).
//
// # Optimiser
//
// Adam (Kingma & Ba 2015) on the cross-entropy gradient g, per parameter,
// with step t counted over the model's lifetime:
//
//	m ← β1 m + (1-β1) g
//	v ← β2 v + (1-β2) g²
//	w ← w - η (m/(1-β1ᵗ)) / (sqrt(v/(1-β2ᵗ)) + ε)
//
// defaults η = 1e-3, β1 = 0.9, β2 = 0.999, ε = 1e-8, batch 64. Then, for
// weights only (never biases), in this order:
//
//	w ← sign(w) max(|w| - ηλ, 0)   L1: proximal (soft-threshold) step
//	w ← max(w, 0)                  NonNeg: projection onto w >= 0
//	w ← w · mask                   after PruneMagnitude (input layer)
//
// The L1 term is handled by this proximal step with threshold ηλ (the
// prox of ηλ|w|), not by adding a subgradient λ sign(w) to g: Adam would
// rescale such a subgradient and weights would oscillate around zero
// instead of landing on it. With NonNeg the two steps compose to
// max(w - ηλ, 0), the prox of ηλ w + indicator(w >= 0). Note that ηλ is a
// fixed step, not scaled by Adam's per-weight denominator (as in
// decoupled weight decay).
//
// # Non-negative weights
//
// NonNeg follows Chorowski & Zurada (2015, "Learning understandable
// neural networks with nonnegative weight constraints"): projected
// gradient descent keeps every weight of both layers >= 0; weights start
// as |N(0, σ²)| (σ as in He/Glorot), and the first training batch sets
// each hidden bias to minus the batch mean of its unit's input W1ᵀx, so
// units start selective instead of all on (Adam would need thousands of
// steps of size η to move the biases there). The network still classifies because
// the biases are unconstrained and may become negative: a hidden unit
// fires only when its excitatory evidence exceeds a learned threshold
// -b1, and the classes compete through the softmax normalisation, whose
// output for class k falls when other classes' logits rise. Inhibition
// is thus implicit (thresholds and normalisation), close to the
// excitatory-only projections of the spiking network with global
// inhibition.
//
// # Determinism
//
// Initial weights come from a PCG generator seeded by Config.Seed; the
// sample order of each epoch is a permutation drawn from a PCG seeded by
// (Seed, e), e the number of epochs trained so far, so two one-epoch
// Train calls equal one two-epoch call. Matrix products use gonum's
// native BLAS, which runs large products on several goroutines but
// partitions only the output, never a sum, so results do not depend on
// GOMAXPROCS: a seed determines the trained weights bit for bit (on a
// given platform and Go version). Attacks with a random start and
// GaussianNoise take their own seed.
//
// # Data
//
// Samples are passed flat as []float32, sample i at x[i*D:(i+1)*D], and
// converted to float64 a batch at a time, so full MNIST needs 188 MB, not
// 376 MB. Single-sample methods (Logits, Predict1, InputGradient and the
// attacks) take []float64.
package baseline
