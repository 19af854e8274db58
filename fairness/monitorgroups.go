package fairness

import (
	"context"
	"hash/maphash"
	"strings"
	"unicode/utf8"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/metric"

	"github.com/aimskit/aimskit/aims/semconv"
)

// truncateUTF8 cuts s to at most n bytes without splitting a character.
func truncateUTF8(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n]
}

// groupOf maps labels to their group, creating it when there is room;
// values beyond the levels and combinations beyond the group bound go to
// overflow levels, and every limit reached is counted. It never fails.
// Lock held.
func (m *Monitor) groupOf(labels []string) int32 {
	canon := m.scratch
	overLevels, truncated := false, false
	for i, v := range labels {
		ls := &m.levels[i]
		if !ls.declared && len(v) > m.cfg.maxValueLen {
			v, truncated = truncateUTF8(v, m.cfg.maxValueLen), true
		}
		if _, ok := ls.known[v]; !ok {
			if ls.declared || len(ls.known) >= ls.max || v == OverflowLevel {
				v, overLevels = OverflowLevel, true
			} else {
				ls.known[strings.Clone(v)] = struct{}{}
			}
		}
		canon[i] = v
	}
	if truncated {
		m.truncated++
		m.inst.limit.Add(context.Background(), 1, m.inst.limLength...)
	}
	if overLevels {
		m.overLevels++
		m.inst.limit.Add(context.Background(), 1, m.inst.limLevels...)
	}
	gi, ok := m.findGroup(canon)
	if !ok {
		allOver := true
		for _, v := range canon {
			allOver = allOver && v == OverflowLevel
		}
		if len(m.groups) < m.cfg.maxGroups-1 || allOver {
			gi = m.newGroup(canon)
		} else {
			// The last slot is the all-overflow group's.
			m.overGroups++
			m.inst.limit.Add(context.Background(), 1, m.inst.limGroups...)
			for i := range canon {
				canon[i] = OverflowLevel
			}
			if gi, ok = m.findGroup(canon); !ok {
				gi = m.newGroup(canon)
			}
		}
	}
	if m.groups[gi].overflow {
		m.overDecisions++
	}
	return gi
}

func (m *Monitor) groupKey(labels []string) uint64 {
	var h maphash.Hash
	h.SetSeed(m.groupSeed)
	for _, l := range labels {
		h.WriteString(l)
		h.WriteByte(0)
	}
	return h.Sum64()
}

func (m *Monitor) findGroup(labels []string) (int32, bool) {
	for _, gi := range m.groupIdx[m.groupKey(labels)] {
		g := m.groups[gi].labels
		same := true
		for i := range g {
			if g[i] != labels[i] {
				same = false
				break
			}
		}
		if same {
			return gi, true
		}
	}
	return 0, false
}

func (m *Monitor) newGroup(labels []string) int32 {
	gi := int32(len(m.groups))
	owned := make([]string, len(labels))
	parts := make([]string, len(owned))
	overflow := false
	for i, l := range labels {
		owned[i] = strings.Clone(l)
		parts[i] = m.features[i] + "=" + l
		overflow = overflow || l == OverflowLevel
	}
	name := strings.Join(parts, ",")
	attrs := metric.WithAttributeSet(attribute.NewSet(semconv.AimsFairnessGroup.String(name)))
	m.groups = append(m.groups, groupInfo{
		labels:   owned,
		name:     name,
		overflow: overflow,
		attrs:    attrs,
		addAttrs: []metric.AddOption{attrs},
	})
	m.inst.cum.start(m.groups[gi].addAttrs)
	key := m.groupKey(owned)
	m.groupIdx[key] = append(m.groupIdx[key], gi)
	return gi
}
