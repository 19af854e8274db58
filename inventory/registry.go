package inventory

import (
	"context"
	"fmt"
	"sync"
)

// Registry is a process-local registry of the AI systems this process has
// registered. Construct one with [NewRegistry], pass it to [Register] with
// [WithRegistry] (or call [Registry.Register]) and serve it with [Handler].
// It is safe for concurrent use. There is no package-level default: the
// application owns its registry.
type Registry struct {
	mu   sync.RWMutex
	regs map[string]*Registration
}

// NewRegistry returns an empty registry.
func NewRegistry() *Registry {
	return &Registry{regs: map[string]*Registration{}}
}

// Register is [Register] with [WithRegistry](r).
func (r *Registry) Register(ctx context.Context, sys System, opts ...Option) (*Registration, error) {
	return Register(ctx, sys, append(opts, WithRegistry(r))...)
}

func (r *Registry) add(reg *Registration) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if _, dup := r.regs[reg.sys.ID]; dup {
		return fmt.Errorf("inventory: system %q is already registered in this registry; Close the earlier registration first", reg.sys.ID)
	}
	r.regs[reg.sys.ID] = reg
	return nil
}

func (r *Registry) remove(reg *Registration) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.regs[reg.sys.ID] == reg {
		delete(r.regs, reg.sys.ID)
	}
}

// Entries returns the registered systems, sorted by ID.
func (r *Registry) Entries() []Entry {
	r.mu.RLock()
	regs := make([]*Registration, 0, len(r.regs))
	for _, reg := range r.regs {
		regs = append(regs, reg)
	}
	r.mu.RUnlock()
	out := make([]Entry, len(regs))
	for i, reg := range regs {
		out[i] = reg.entry()
	}
	sortEntries(out)
	return out
}

// Systems returns the registered descriptions, sorted by ID.
func (r *Registry) Systems() []System {
	es := r.Entries()
	out := make([]System, len(es))
	for i, e := range es {
		out[i] = e.System
	}
	return out
}

// Lookup returns the registration of the system with the given ID.
func (r *Registry) Lookup(id string) (*Registration, bool) {
	r.mu.RLock()
	defer r.mu.RUnlock()
	reg, ok := r.regs[id]
	return reg, ok
}
