package auditreport

import (
	"bytes"
	"fmt"
	"image/color"
	"math"
	"sort"
	"strings"
	"time"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/font"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgsvg"
)

// palette is the Okabe–Ito colour-blind-safe palette, so that the charts
// stay readable for everyone and in greyscale print.
var palette = []color.RGBA{
	{0x00, 0x72, 0xB2, 0xff}, // blue
	{0xE6, 0x9F, 0x00, 0xff}, // orange
	{0x00, 0x9E, 0x73, 0xff}, // bluish green
	{0xCC, 0x79, 0xA7, 0xff}, // reddish purple
	{0x56, 0xB4, 0xE9, 0xff}, // sky blue
	{0xD5, 0x5E, 0x00, 0xff}, // vermillion
	{0xF0, 0xE4, 0x42, 0xff}, // yellow
	{0x00, 0x00, 0x00, 0xff}, // black
}

var alertRed = color.RGBA{0xC0, 0x1C, 0x28, 0xff}

func colour(i int) color.Color { return palette[i%len(palette)] }

// chartFont is the font of every chart text. SVG names it "Liberation
// Sans"; the rendered SVG adds generic fallbacks so a viewer without the
// Liberation fonts still shows a sans-serif face of similar metrics.
var chartFont = font.Font{Typeface: "Liberation", Variant: "Sans"}

const (
	chartWidth  = 10 * vg.Inch
	chartHeight = 3.6 * vg.Inch
)

// newPlot returns a plot with the report's fonts and the given title and
// axis labels.
func newPlot(title, x, y string) *plot.Plot {
	p := plot.New()
	p.Title.Text = title
	p.Title.TextStyle.Font = font.From(chartFont, 13)
	p.X.Label.Text, p.Y.Label.Text = x, y
	p.X.Label.TextStyle.Font = font.From(chartFont, 11)
	p.Y.Label.TextStyle.Font = font.From(chartFont, 11)
	p.X.Tick.Label.Font = font.From(chartFont, 9)
	p.Y.Tick.Label.Font = font.From(chartFont, 9)
	p.Legend.TextStyle.Font = font.From(chartFont, 10)
	p.Legend.Top = true
	p.Add(plotter.NewGrid())
	return p
}

// render draws p into an SVG fragment for inlining in HTML: the XML prolog
// and comment are dropped and the font family gets generic fallbacks.
// gonum/plot panics on some degenerate inputs; that becomes the chart's
// error instead of taking the report down.
func render(p *plot.Plot) (c Chart) {
	c.Title = p.Title.Text
	defer func() {
		if r := recover(); r != nil {
			c.SVG, c.Err = "", fmt.Sprintf("the chart could not be drawn: %v", r)
		}
	}()
	canvas := vgsvg.New(chartWidth, chartHeight)
	p.Draw(draw.New(canvas))
	var buf bytes.Buffer
	if _, err := canvas.WriteTo(&buf); err != nil {
		c.Err = "the chart could not be drawn: " + err.Error()
		return c
	}
	svg := buf.String()
	if i := strings.Index(svg, "<svg"); i >= 0 {
		svg = svg[i:]
	}
	svg = strings.Replace(svg, "<svg ", `<svg role="img" aria-label="`+htmlAttrEscape(c.Title)+`" `, 1)
	svg = strings.ReplaceAll(svg, "font-family:Liberation Sans;", "font-family:'Liberation Sans',Arial,Helvetica,sans-serif;")
	c.SVG = svg
	return c
}

func htmlAttrEscape(s string) string {
	return strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;", `"`, "&quot;", "'", "&#39;").Replace(s)
}

// indexTicks labels bar positions 0..n-1 with labels, showing at most
// about ten labels so they do not overlap.
type indexTicks []string

// Ticks implements plot.Ticker.
func (t indexTicks) Ticks(lo, hi float64) []plot.Tick {
	step := max(1, (len(t)+9)/10)
	var out []plot.Tick
	for i, l := range t {
		if i%step == 0 {
			out = append(out, plot.Tick{Value: float64(i), Label: l})
		} else {
			out = append(out, plot.Tick{Value: float64(i)})
		}
	}
	return out
}

// timeTicks marks a time axis (Unix seconds, UTC) at round steps — 1, 5,
// 10, 15, 30 minutes, 1, 2, 3, 6, 12 hours, days, weeks — giving about
// four to eight labels, so an auditor reads 10:00, 10:30, 11:00 rather than
// arbitrary instants.
type timeTicks struct{}

var tickSteps = []time.Duration{
	time.Second, 2 * time.Second, 5 * time.Second, 10 * time.Second, 15 * time.Second, 30 * time.Second,
	time.Minute, 2 * time.Minute, 5 * time.Minute, 10 * time.Minute, 15 * time.Minute, 30 * time.Minute,
	time.Hour, 2 * time.Hour, 3 * time.Hour, 6 * time.Hour, 12 * time.Hour,
	24 * time.Hour, 2 * 24 * time.Hour, 7 * 24 * time.Hour, 14 * 24 * time.Hour, 28 * 24 * time.Hour,
}

// Ticks implements plot.Ticker.
func (timeTicks) Ticks(lo, hi float64) []plot.Tick {
	if !(hi > lo) || math.IsInf(lo, 0) || math.IsInf(hi, 0) {
		return nil
	}
	span := time.Duration((hi - lo) * float64(time.Second))
	step := tickSteps[len(tickSteps)-1]
	for _, st := range tickSteps {
		if span/st <= 8 {
			step = st
			break
		}
	}
	format := "15:04"
	switch {
	case step < time.Minute:
		format = "15:04:05"
	case step >= 24*time.Hour:
		format = "2006-01-02"
	case span > 20*time.Hour:
		format = "01-02 15:04"
	}
	start := time.Unix(int64(math.Ceil(lo)), 0).UTC()
	t := start.Truncate(step)
	if t.Before(start) {
		t = t.Add(step)
	}
	var out []plot.Tick
	for ; float64(t.Unix()) <= hi && len(out) < 64; t = t.Add(step) {
		out = append(out, plot.Tick{Value: float64(t.Unix()), Label: t.Format(format)})
	}
	return out
}

// allTicks labels every bar position 0..n-1: each fairness group must be
// named.
type allTicks []string

// Ticks implements plot.Ticker.
func (t allTicks) Ticks(lo, hi float64) []plot.Tick {
	out := make([]plot.Tick, len(t))
	for i, l := range t {
		out[i] = plot.Tick{Value: float64(i), Label: l}
	}
	return out
}

func bucketLabel(t time.Time, w time.Duration) string {
	switch {
	case w >= 24*time.Hour:
		return t.Format("2006-01-02")
	case w >= time.Hour:
		return t.Format("01-02 15:04")
	case w >= time.Minute:
		return t.Format("15:04")
	default:
		return t.Format("15:04:05")
	}
}

// decisionChart stacks the decisions of each time bucket by outcome.
func decisionChart(s *DecisionSection) Chart {
	p := newPlot("Decisions per "+humanDuration(s.Bucket)+" by outcome",
		"time bucket start (UTC)", "decisions")
	labels := make(indexTicks, len(s.Series))
	for i, b := range s.Series {
		labels[i] = bucketLabel(b.Start, s.Bucket)
	}
	p.X.Tick.Marker = labels
	width := vg.Length(math.Max(2, math.Min(24, float64(chartWidth-60)/float64(len(s.Series))*0.8)))
	var below *plotter.BarChart
	for oi, o := range s.Outcomes {
		vals := make(plotter.Values, len(s.Series))
		for i, b := range s.Series {
			vals[i] = float64(b.Counts[oi])
		}
		bars, err := plotter.NewBarChart(vals, width)
		if err != nil {
			return Chart{Title: p.Title.Text, Err: err.Error()}
		}
		bars.Color = colour(oi)
		bars.LineStyle.Width = 0
		if below != nil {
			bars.StackOn(below)
		}
		below = bars
		p.Add(bars)
		p.Legend.Add(o.Label, bars)
	}
	top := 0
	for _, b := range s.Series {
		top = max(top, b.Total)
	}
	p.Y.Min, p.Y.Max = 0, headroom(float64(top), len(s.Outcomes))
	return render(p)
}

// reviewTimeChart is the histogram of time to review.
func reviewTimeChart(d *Distribution) Chart {
	unit, name := time.Second, "seconds"
	if d.Max >= 3*time.Hour {
		unit, name = time.Hour, "hours"
	} else if d.Max >= 3*time.Minute {
		unit, name = time.Minute, "minutes"
	}
	vals := make(plotter.Values, len(d.Values))
	for i, v := range d.Values {
		vals[i] = float64(v) / float64(unit)
	}
	p := newPlot("Time to review (resolved human reviews)", "time to review ("+name+")", "reviews")
	bins := min(20, max(1, int(math.Ceil(math.Sqrt(float64(len(vals)))))))
	if d.Min == d.Max {
		bins = 1
	}
	h, err := plotter.NewHist(vals, bins)
	if err != nil {
		return Chart{Title: p.Title.Text, Err: err.Error()}
	}
	h.FillColor = colour(0)
	h.LineStyle.Color = color.White
	p.Add(h)
	p.Y.Min = 0
	return render(p)
}

// fairnessChart draws each group's latest selection rate (and true
// positive rate when present) with the four-fifths line.
func fairnessChart(system string, groups []GroupRow, best float64) Chart {
	title := "Selection rate by group"
	if system != "" {
		title += " — " + system
	}
	p := newPlot(title, "group", "rate")
	labels := make(allTicks, len(groups))
	sel := make(plotter.Values, len(groups))
	tpr := make(plotter.Values, len(groups))
	haveTPR := false
	for i, g := range groups {
		labels[i] = g.Group
		if g.SelectionRate != nil {
			sel[i] = *g.SelectionRate
		}
		if g.TPR != nil {
			tpr[i], haveTPR = *g.TPR, true
		}
	}
	p.X.Tick.Marker = labels
	if len(groups) > 6 {
		// Every group is labelled; slanted labels keep long names apart.
		p.X.Tick.Label.Rotation = math.Pi / 6
		p.X.Tick.Label.XAlign = draw.XRight
		p.X.Tick.Label.YAlign = draw.YTop
	}
	w := vg.Length(math.Max(4, math.Min(28, float64(chartWidth-80)/float64(len(groups))*0.35)))
	bars, err := plotter.NewBarChart(sel, w)
	if err != nil {
		return Chart{Title: title, Err: err.Error()}
	}
	bars.Color, bars.LineStyle.Width = colour(0), 0
	p.Add(bars)
	p.Legend.Add("selection rate", bars)
	if haveTPR {
		bars.Offset = -w / 2
		tb, err := plotter.NewBarChart(tpr, w)
		if err != nil {
			return Chart{Title: title, Err: err.Error()}
		}
		tb.Color, tb.LineStyle.Width, tb.Offset = colour(1), 0, w/2
		p.Add(tb)
		p.Legend.Add("true positive rate", tb)
	}
	if best > 0 && !math.IsInf(best, 0) {
		y := FourFifths * best
		l, err := plotter.NewLine(plotter.XYs{{X: -0.5, Y: y}, {X: float64(len(groups)) - 0.5, Y: y}})
		if err == nil {
			l.Color, l.Width, l.Dashes = alertRed, vg.Points(1.5), []vg.Length{vg.Points(6), vg.Points(3)}
			p.Add(l)
			p.Legend.Add(fmt.Sprintf("four-fifths line (0.8 × %.3g)", best), l)
		}
	}
	top := 0.0
	for i := range groups {
		top = math.Max(top, math.Max(sel[i], tpr[i]))
	}
	p.Y.Min, p.Y.Max = 0, headroom(math.Max(top, FourFifths*best), 3)
	return render(p)
}

// selectionRateChart plots each group's selection rate over time.
func selectionRateChart(system string, series map[string][]selPoint) Chart {
	title := "Selection rate by group over time"
	if system != "" {
		title += " — " + system
	}
	return timeLines(newPlot(title, "time (UTC)", "selection rate"), series, nil)
}

// driftChart plots drift scores over time with the drift events marked.
func driftChart(title, ylabel string, series map[string][]selPoint, events []time.Time) Chart {
	return timeLines(newPlot(title, "time (UTC)", ylabel), series, events)
}

// timeLines draws one line per series, in name order, with optional
// vertical marks at the given times.
func timeLines(p *plot.Plot, series map[string][]selPoint, marks []time.Time) Chart {
	names := make([]string, 0, len(series))
	for n := range series {
		names = append(names, n)
	}
	sort.Strings(names)
	lo, hi := math.Inf(1), math.Inf(-1)
	ymax := 0.0
	for i, n := range names {
		pts := append([]selPoint(nil), series[n]...)
		sort.SliceStable(pts, func(a, b int) bool { return pts[a].t.Before(pts[b].t) })
		xys := make(plotter.XYs, len(pts))
		for j, pt := range pts {
			x := float64(pt.t.UnixNano()) / 1e9
			xys[j] = plotter.XY{X: x, Y: pt.v}
			lo, hi = math.Min(lo, x), math.Max(hi, x)
			ymax = math.Max(ymax, pt.v)
		}
		l, err := plotter.NewLine(xys)
		if err != nil {
			return Chart{Title: p.Title.Text, Err: err.Error()}
		}
		l.Color, l.Width = colour(i), vg.Points(1.5)
		p.Add(l)
		p.Legend.Add(n, l)
	}
	if ymax <= 0 {
		ymax = 1
	}
	for i, m := range marks {
		x := float64(m.UnixNano()) / 1e9
		l, err := plotter.NewLine(plotter.XYs{{X: x, Y: 0}, {X: x, Y: ymax}})
		if err != nil {
			continue
		}
		l.Color, l.Width, l.Dashes = alertRed, vg.Points(1), []vg.Length{vg.Points(4), vg.Points(3)}
		p.Add(l)
		if i == 0 {
			p.Legend.Add("drift event", l)
		}
	}
	p.X.Tick.Marker = timeTicks{}
	padX(p, lo, hi)
	entries := len(names)
	if len(marks) > 0 {
		entries++
	}
	p.Y.Min, p.Y.Max = 0, headroom(ymax, entries)
	return render(p)
}

// headroom returns the top of the y axis for data reaching ymax, leaving
// room above the data for a legend of n entries drawn inside the plot, so
// the legend never hides a bar or a line.
func headroom(ymax float64, n int) float64 {
	if ymax <= 0 || math.IsNaN(ymax) || math.IsInf(ymax, 0) {
		ymax = 1
	}
	return ymax * (1.08 + 0.09*float64(n))
}

// padX widens a time axis by 3 % on each side so the first and last tick
// labels are not cut off.
func padX(p *plot.Plot, lo, hi float64) {
	if math.IsInf(lo, 0) || math.IsInf(hi, 0) {
		return
	}
	pad := (hi - lo) * 0.03
	if pad == 0 {
		pad = 60
	}
	p.X.Min, p.X.Max = lo-pad, hi+pad
}

func humanDuration(d time.Duration) string {
	switch d {
	case time.Second:
		return "second"
	case time.Minute:
		return "minute"
	case time.Hour:
		return "hour"
	case 24 * time.Hour:
		return "day"
	case 7 * 24 * time.Hour:
		return "week"
	case 30 * 24 * time.Hour:
		return "30 days"
	case 365 * 24 * time.Hour:
		return "365 days"
	}
	switch {
	case d%time.Hour == 0:
		return fmt.Sprintf("%d hours", d/time.Hour)
	case d%time.Minute == 0:
		return fmt.Sprintf("%d minutes", d/time.Minute)
	}
	return fmt.Sprintf("%d seconds", d/time.Second)
}
