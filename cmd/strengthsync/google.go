package main

// This file is a placeholder until the Google commands land: it keeps the
// command line building. google:… sources and destinations report that
// Google is not available yet.

import (
	"context"
	"fmt"

	"github.com/spf13/cobra"
	"github.com/strengthsync/strengthsync/sync"
)

// googleProvider turns google:ID specs into sources and sinks.
type googleProvider interface {
	Source(ctx context.Context, calendarID string) (sync.Source, error)
	Busy(ctx context.Context, calendarID string) (sync.Source, error)
	Sink(ctx context.Context, calendarID string) (sync.Sink, error)
}

type noGoogle struct{}

func newGoogleProvider(*App) googleProvider { return noGoogle{} }

func (noGoogle) Source(context.Context, string) (sync.Source, error) {
	return nil, fmt.Errorf("google calendars are not supported yet")
}
func (noGoogle) Busy(context.Context, string) (sync.Source, error) {
	return nil, fmt.Errorf("google calendars are not supported yet")
}
func (noGoogle) Sink(context.Context, string) (sync.Sink, error) {
	return nil, fmt.Errorf("google calendars are not supported yet")
}

func (a *App) googleCmds() []*cobra.Command { return nil }
