package mnist_test

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"log"

	"dalesim/mnist"
)

// Example decodes a tiny data set built in memory: three 2x2 images
// showing the digits 7, 1 and 7.
func Example() {
	var images, labels bytes.Buffer
	binary.Write(&images, binary.BigEndian, []uint32{0x803, 3, 2, 2}) // magic, count, rows, cols
	images.Write([]byte{
		0, 255, 51, 0,
		255, 255, 0, 0,
		0, 0, 102, 204,
	})
	binary.Write(&labels, binary.BigEndian, []uint32{0x801, 3}) // magic, count
	labels.Write([]byte{7, 1, 7})

	s, err := mnist.Read(&images, &labels)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("%d images of %dx%d\n", s.Len(), s.Rows, s.Cols)

	x := make([]float32, s.Rows*s.Cols) // reused for every image
	for i := range s.Len() {
		fmt.Println(s.Label(i), s.Image(i), s.Intensities(i, x))
	}

	digits, err := mnist.ParseDigits("7")
	if err != nil {
		log.Fatal(err)
	}
	sevens := s.Filter(digits)
	fmt.Println("sevens:", sevens.Len(), "first:", sevens.Limit(1).Len())

	_, err = mnist.ParseDigits("1,x")
	fmt.Println(err)
	// Output:
	// 3 images of 2x2
	// 7 [0 255 51 0] [0 1 0.2 0]
	// 1 [255 255 0 0] [1 1 0 0]
	// 7 [0 0 102 204] [0 0 0.4 0.8]
	// sevens: 2 first: 1
	// mnist: digit list "1,x": "x" is not a digit 0..9
}

// ExampleLocate shows the usual way to get the real data set; it is not
// run because the data may be absent.
func ExampleLocate() {
	dataFlag := "" // e.g. the value of a --data flag
	dir, err := mnist.Locate(dataFlag)
	if err != nil {
		log.Fatal(err) // explains where it looked and how to get the data
	}
	train, test, err := mnist.Load(dir)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(train.Len(), test.Len(), train.ClassCounts())
}
