//go:build linux

package main

import (
	"bytes"
	"image"
	"image/color"
	"image/png"
	"math"
	"os"
	"strings"
)

// The chart is drawn by hand with image/png and a 5×7 bitmap font, so the
// harness needs nothing beyond the standard library.

// panel is one bar group: a metric of one scenario for each server.
type panel struct {
	title  string
	unit   string
	values []float64 // per server, NaN when not measured
}

var (
	white        = color.RGBA{255, 255, 255, 255}
	ink          = color.RGBA{40, 40, 40, 255}
	gridColor    = color.RGBA{225, 225, 225, 255}
	serverColors = map[string]color.RGBA{
		"ours": {31, 119, 180, 255},
		"node": {44, 160, 44, 255},
		"raw":  {150, 150, 150, 255},
	}
	otherColor = color.RGBA{214, 39, 40, 255}
)

func colorOf(server string) color.RGBA {
	if c, ok := serverColors[server]; ok {
		return c
	}
	return otherColor
}

const (
	panelW  = 330
	panelH  = 250
	cols    = 3
	margin  = 20
	headerH = 70
)

// writeChart draws the panels in a grid, with a header naming the servers.
func writeChart(path, title string, servers []string, panels []panel) error {
	rows := (len(panels) + cols - 1) / cols
	w := margin*2 + cols*panelW
	h := headerH + rows*panelH + margin
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	fill(img, img.Bounds(), white)

	drawText(img, margin, 14, 2, title, ink)
	x := margin
	for _, s := range servers {
		fill(img, image.Rect(x, 44, x+14, 58), colorOf(s))
		drawText(img, x+20, 45, 2, s, ink)
		x += 20 + textWidth(s, 2) + 30
	}
	for i, p := range panels {
		px := margin + (i%cols)*panelW
		py := headerH + (i/cols)*panelH
		drawPanel(img, image.Rect(px, py, px+panelW-10, py+panelH-10), servers, p)
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		return err
	}
	return os.WriteFile(path, buf.Bytes(), 0o644)
}

func drawPanel(img *image.RGBA, r image.Rectangle, servers []string, p panel) {
	// Frame and title.
	outline(img, r, gridColor)
	title := p.title
	for textWidth(title, 2) > r.Dx()-12 && len(title) > 4 {
		title = title[:len(title)-1]
	}
	drawText(img, r.Min.X+6, r.Min.Y+6, 2, title, ink)
	unit := p.unit
	for textWidth(unit, 1) > r.Dx()-12 && len(unit) > 4 {
		unit = unit[:len(unit)-1]
	}
	drawText(img, r.Min.X+6, r.Min.Y+26, 1, unit, ink)

	plot := image.Rect(r.Min.X+10, r.Min.Y+52, r.Max.X-10, r.Max.Y-26)
	top := 0.0
	for _, v := range p.values {
		if !math.IsNaN(v) && v > top {
			top = v
		}
	}
	if top <= 0 {
		top = 1
	}
	top *= 1.18
	// Grid lines at quarters.
	for q := 1; q <= 4; q++ {
		y := plot.Max.Y - int(float64(plot.Dy())*float64(q)/4/1.18)
		fill(img, image.Rect(plot.Min.X, y, plot.Max.X, y+1), gridColor)
	}
	fill(img, image.Rect(plot.Min.X, plot.Max.Y, plot.Max.X, plot.Max.Y+1), ink)

	n := len(servers)
	slot := plot.Dx() / n
	barW := min(slot*6/10, 70)
	for i := range servers {
		cx := plot.Min.X + slot*i + slot/2
		label := strings.ToUpper(servers[i])
		drawText(img, cx-textWidth(label, 2)/2, plot.Max.Y+6, 2, label, ink)
		v := math.NaN()
		if i < len(p.values) {
			v = p.values[i]
		}
		if math.IsNaN(v) {
			drawText(img, cx-textWidth("N/A", 2)/2, plot.Max.Y-20, 2, "N/A", ink)
			continue
		}
		hgt := int(float64(plot.Dy()) * v / top)
		bar := image.Rect(cx-barW/2, plot.Max.Y-hgt, cx+barW/2, plot.Max.Y)
		fill(img, bar, colorOf(servers[i]))
		s := shortNumber(v)
		drawText(img, cx-textWidth(s, 2)/2, bar.Min.Y-18, 2, s, ink)
	}
}

func fill(img *image.RGBA, r image.Rectangle, c color.RGBA) {
	r = r.Intersect(img.Bounds())
	for y := r.Min.Y; y < r.Max.Y; y++ {
		for x := r.Min.X; x < r.Max.X; x++ {
			img.SetRGBA(x, y, c)
		}
	}
}

func outline(img *image.RGBA, r image.Rectangle, c color.RGBA) {
	fill(img, image.Rect(r.Min.X, r.Min.Y, r.Max.X, r.Min.Y+1), c)
	fill(img, image.Rect(r.Min.X, r.Max.Y-1, r.Max.X, r.Max.Y), c)
	fill(img, image.Rect(r.Min.X, r.Min.Y, r.Min.X+1, r.Max.Y), c)
	fill(img, image.Rect(r.Max.X-1, r.Min.Y, r.Max.X, r.Max.Y), c)
}

// shortNumber formats v in at most about five characters: 950, 12.3K, 1.25M.
func shortNumber(v float64) string {
	switch a := math.Abs(v); {
	case a >= 1e9:
		return trimFloat(v/1e9) + "G"
	case a >= 1e6:
		return trimFloat(v/1e6) + "M"
	case a >= 1e3:
		return trimFloat(v/1e3) + "K"
	default:
		return trimFloat(v)
	}
}

func trimFloat(v float64) string {
	a := math.Abs(v)
	switch {
	case a >= 100:
		return formatFloat(v, 0)
	case a >= 10:
		return formatFloat(v, 1)
	default:
		return formatFloat(v, 2)
	}
}

// ---- 5×7 bitmap font --------------------------------------------------------

func textWidth(s string, scale int) int { return len([]rune(s)) * 6 * scale }

func drawText(img *image.RGBA, x, y, scale int, s string, c color.RGBA) {
	for _, r := range strings.ToUpper(s) {
		g, ok := font[r]
		if !ok {
			g = font['?']
		}
		for row, bits := range g {
			for col, b := range bits {
				if b == '#' {
					fill(img, image.Rect(x+col*scale, y+row*scale, x+(col+1)*scale, y+(row+1)*scale), c)
				}
			}
		}
		x += 6 * scale
	}
}

var font = map[rune][7]string{
	'0': {".###.", "#...#", "#..##", "#.#.#", "##..#", "#...#", ".###."},
	'1': {"..#..", ".##..", "..#..", "..#..", "..#..", "..#..", ".###."},
	'2': {".###.", "#...#", "....#", "...#.", "..#..", ".#...", "#####"},
	'3': {"#####", "...#.", "..#..", "...#.", "....#", "#...#", ".###."},
	'4': {"...#.", "..##.", ".#.#.", "#..#.", "#####", "...#.", "...#."},
	'5': {"#####", "#....", "####.", "....#", "....#", "#...#", ".###."},
	'6': {"..##.", ".#...", "#....", "####.", "#...#", "#...#", ".###."},
	'7': {"#####", "....#", "...#.", "..#..", ".#...", ".#...", ".#..."},
	'8': {".###.", "#...#", "#...#", ".###.", "#...#", "#...#", ".###."},
	'9': {".###.", "#...#", "#...#", ".####", "....#", "...#.", ".##.."},
	'A': {".###.", "#...#", "#...#", "#####", "#...#", "#...#", "#...#"},
	'B': {"####.", "#...#", "#...#", "####.", "#...#", "#...#", "####."},
	'C': {".###.", "#...#", "#....", "#....", "#....", "#...#", ".###."},
	'D': {"###..", "#..#.", "#...#", "#...#", "#...#", "#..#.", "###.."},
	'E': {"#####", "#....", "#....", "####.", "#....", "#....", "#####"},
	'F': {"#####", "#....", "#....", "####.", "#....", "#....", "#...."},
	'G': {".###.", "#...#", "#....", "#.###", "#...#", "#...#", ".####"},
	'H': {"#...#", "#...#", "#...#", "#####", "#...#", "#...#", "#...#"},
	'I': {".###.", "..#..", "..#..", "..#..", "..#..", "..#..", ".###."},
	'J': {"..###", "...#.", "...#.", "...#.", "...#.", "#..#.", ".##.."},
	'K': {"#...#", "#..#.", "#.#..", "##...", "#.#..", "#..#.", "#...#"},
	'L': {"#....", "#....", "#....", "#....", "#....", "#....", "#####"},
	'M': {"#...#", "##.##", "#.#.#", "#.#.#", "#...#", "#...#", "#...#"},
	'N': {"#...#", "#...#", "##..#", "#.#.#", "#..##", "#...#", "#...#"},
	'O': {".###.", "#...#", "#...#", "#...#", "#...#", "#...#", ".###."},
	'P': {"####.", "#...#", "#...#", "####.", "#....", "#....", "#...."},
	'Q': {".###.", "#...#", "#...#", "#...#", "#.#.#", "#..#.", ".##.#"},
	'R': {"####.", "#...#", "#...#", "####.", "#.#..", "#..#.", "#...#"},
	'S': {".####", "#....", "#....", ".###.", "....#", "....#", "####."},
	'T': {"#####", "..#..", "..#..", "..#..", "..#..", "..#..", "..#.."},
	'U': {"#...#", "#...#", "#...#", "#...#", "#...#", "#...#", ".###."},
	'V': {"#...#", "#...#", "#...#", "#...#", "#...#", ".#.#.", "..#.."},
	'W': {"#...#", "#...#", "#...#", "#.#.#", "#.#.#", "#.#.#", ".#.#."},
	'X': {"#...#", "#...#", ".#.#.", "..#..", ".#.#.", "#...#", "#...#"},
	'Y': {"#...#", "#...#", ".#.#.", "..#..", "..#..", "..#..", "..#.."},
	'Z': {"#####", "....#", "...#.", "..#..", ".#...", "#....", "#####"},
	' ': {".....", ".....", ".....", ".....", ".....", ".....", "....."},
	'.': {".....", ".....", ".....", ".....", ".....", ".##..", ".##.."},
	',': {".....", ".....", ".....", ".....", ".##..", "..#..", ".#..."},
	':': {".....", ".##..", ".##..", ".....", ".##..", ".##..", "....."},
	'/': {".....", "....#", "...#.", "..#..", ".#...", "#....", "....."},
	'-': {".....", ".....", ".....", "#####", ".....", ".....", "....."},
	'_': {".....", ".....", ".....", ".....", ".....", ".....", "#####"},
	'%': {"##...", "##..#", "...#.", "..#..", ".#...", "#..##", "...##"},
	'(': {"...#.", "..#..", ".#...", ".#...", ".#...", "..#..", "...#."},
	')': {".#...", "..#..", "...#.", "...#.", "...#.", "..#..", ".#..."},
	'×': {".....", "#...#", ".#.#.", "..#..", ".#.#.", "#...#", "....."},
	'=': {".....", ".....", "#####", ".....", "#####", ".....", "....."},
	'+': {".....", "..#..", "..#..", "#####", "..#..", "..#..", "....."},
	'<': {"...#.", "..#..", ".#...", "#....", ".#...", "..#..", "...#."},
	'>': {".#...", "..#..", "...#.", "....#", "...#.", "..#..", ".#..."},
	'?': {".###.", "#...#", "....#", "...#.", "..#..", ".....", "..#.."},
	'@': {".###.", "#...#", "#.###", "#.#.#", "#.###", "#....", ".###."},
}
