package main

import (
	"fmt"
	"io"
	"strings"
	"sync/atomic"
	"time"
)

// progressMin is the input size from which a progress bar is drawn.
const progressMin = 64 << 20

// progress draws a bar on w until stop is called.
type progress struct {
	w     io.Writer
	total int64
	done  *atomic.Int64
	label string
	quit  chan struct{}
	ended chan struct{}
}

// startProgress starts drawing when on is true; it returns a progress
// whose stop is always safe to call.
func startProgress(on bool, w io.Writer, label string, total int64, done *atomic.Int64) *progress {
	p := &progress{w: w, total: total, done: done, label: label, quit: make(chan struct{}), ended: make(chan struct{})}
	if !on {
		close(p.ended)
		return p
	}
	go func() {
		defer close(p.ended)
		t := time.NewTicker(200 * time.Millisecond)
		defer t.Stop()
		start := time.Now()
		for {
			select {
			case <-p.quit:
				p.draw(start)
				fmt.Fprintln(p.w)
				return
			case <-t.C:
				p.draw(start)
			}
		}
	}()
	return p
}

func (p *progress) draw(start time.Time) {
	fmt.Fprint(p.w, "\r"+bar(p.label, p.done.Load(), p.total, time.Since(start)))
}

func (p *progress) stop() {
	select {
	case <-p.ended:
		return
	default:
	}
	close(p.quit)
	<-p.ended
}

// bar renders "label [=====>    ]  42%  1.2 GiB/2.0 GiB  1.5 GiB/s".
func bar(label string, done, total int64, elapsed time.Duration) string {
	const width = 30
	frac := 1.0
	if total > 0 {
		frac = min(float64(done)/float64(total), 1)
	}
	n := int(frac * width)
	b := strings.Repeat("=", n)
	if n < width {
		b += ">" + strings.Repeat(" ", width-n-1)
	}
	rate := ""
	if s := elapsed.Seconds(); s > 0 {
		rate = "  " + size(int64(float64(done)/s)) + "/s"
	}
	return fmt.Sprintf("%s [%s] %3.0f%%  %s/%s%s ", label, b, frac*100, size(done), size(total), rate)
}

// size formats a byte count as B, KiB, MiB or GiB.
func size(n int64) string {
	switch {
	case n >= 1<<30:
		return fmt.Sprintf("%.1f GiB", float64(n)/(1<<30))
	case n >= 1<<20:
		return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20))
	case n >= 1<<10:
		return fmt.Sprintf("%.1f KiB", float64(n)/(1<<10))
	}
	return fmt.Sprintf("%d B", n)
}
