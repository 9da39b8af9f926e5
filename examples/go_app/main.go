// A tiny Go program: the Go pipeline builds it in a golang stage and ships only the binary.
package main

import (
	"fmt"
	"runtime"
)

func main() {
	fmt.Printf("Hello from Go %s, built by the framework\n", runtime.Version())
}
