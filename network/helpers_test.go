package network

// stepOnce runs one step of the engine without statistics or monitors.
func stepOnce(n *Network) {
	if n.eng == nil {
		n.eng = newEngine(n)
	}
	n.eng.stepOnce(n.step)
	n.step++
}
