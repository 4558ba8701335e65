package sync

import (
	"context"
	"encoding/base64"
	"fmt"
	"strings"
)

// Sealer encrypts secrets at rest, binding each to associated data;
// *seal.Sealer is one.
type Sealer interface {
	Seal(plaintext, associatedData []byte) ([]byte, error)
	Open(ciphertext, associatedData []byte) ([]byte, error)
}

// SealedStore is a Store that keeps a plan's source and busy calendar
// addresses sealed, like its OAuth token: a feed URL carries its own secret
// (a private path, a key in the query), and anyone who reads the database
// or a Redis dump could otherwise read the runner's training calendar.
// Callers see clear addresses; the store beneath holds "sealed:" strings,
// bound to the plan's ID.
//
// Records written before sealing (clear addresses) still load as they are,
// and are sealed by their next write, which every sync makes.
type SealedStore struct {
	Store
	sealer Sealer
}

var _ Store = (*SealedStore)(nil)

// SealURLs wraps s so that plan addresses are sealed with sealer.
func SealURLs(s Store, sealer Sealer) *SealedStore {
	return &SealedStore{Store: s, sealer: sealer}
}

// sealedPrefix marks a sealed address; no calendar address starts with it
// (the API takes http, https, webcal and google: only).
const sealedPrefix = "sealed:"

// CreatePlan stores p with its addresses sealed; p itself is not changed.
func (s *SealedStore) CreatePlan(ctx context.Context, p *PlanRecord) error {
	q, err := s.seal(p)
	if err != nil {
		return err
	}
	return s.Store.CreatePlan(ctx, q)
}

// UpdatePlan replaces p's record with its addresses sealed.
func (s *SealedStore) UpdatePlan(ctx context.Context, p *PlanRecord) error {
	q, err := s.seal(p)
	if err != nil {
		return err
	}
	return s.Store.UpdatePlan(ctx, q)
}

// GetPlan returns the plan with clear addresses.
func (s *SealedStore) GetPlan(ctx context.Context, id string) (*PlanRecord, error) {
	p, err := s.Store.GetPlan(ctx, id)
	if err != nil {
		return nil, err
	}
	return s.open(p)
}

// PlanByFeedToken returns the plan with clear addresses.
func (s *SealedStore) PlanByFeedToken(ctx context.Context, hash []byte) (*PlanRecord, error) {
	p, err := s.Store.PlanByFeedToken(ctx, hash)
	if err != nil {
		return nil, err
	}
	return s.open(p)
}

func (s *SealedStore) seal(p *PlanRecord) (*PlanRecord, error) {
	q := *p
	var err error
	if q.Sources, err = s.sealAll(p.ID, p.Sources); err != nil {
		return nil, err
	}
	if q.Busy, err = s.sealAll(p.ID, p.Busy); err != nil {
		return nil, err
	}
	return &q, nil
}

func (s *SealedStore) sealAll(id string, list []string) ([]string, error) {
	if list == nil {
		return nil, nil
	}
	out := make([]string, len(list))
	for i, v := range list {
		if strings.HasPrefix(v, sealedPrefix) {
			out[i] = v // sealed already: never twice
			continue
		}
		b, err := s.sealer.Seal([]byte(v), []byte(id))
		if err != nil {
			return nil, fmt.Errorf("plan %s: seal calendar address: %w", id, err)
		}
		out[i] = sealedPrefix + base64.RawURLEncoding.EncodeToString(b)
	}
	return out, nil
}

func (s *SealedStore) open(p *PlanRecord) (*PlanRecord, error) {
	var err error
	if p.Sources, err = s.openAll(p.ID, p.Sources); err != nil {
		return nil, err
	}
	if p.Busy, err = s.openAll(p.ID, p.Busy); err != nil {
		return nil, err
	}
	return p, nil
}

func (s *SealedStore) openAll(id string, list []string) ([]string, error) {
	for i, v := range list {
		enc, ok := strings.CutPrefix(v, sealedPrefix)
		if !ok {
			continue // written before sealing: clear until the next write
		}
		b, err := base64.RawURLEncoding.DecodeString(enc)
		if err == nil {
			b, err = s.sealer.Open(b, []byte(id))
		}
		if err != nil {
			// Never the value: it is the secret, or garbage.
			return nil, fmt.Errorf("plan %s: calendar address %d does not open with this key: %w", id, i+1, err)
		}
		list[i] = string(b)
	}
	return list, nil
}
