package redisstore

import (
	"context"
	"fmt"
	"strings"

	"github.com/redis/go-redis/v9"
)

// Durability is what a Redis server keeps across a restart, as its
// persistence settings say (https://redis.io/docs/latest/operate/oss_and_stack/management/persistence/).
type Durability struct {
	// Checked is false when the server refused CONFIG GET (a managed Redis
	// often renames or forbids it); the other fields are then unknown.
	Checked bool
	// AppendOnly is "appendonly yes": every write is logged, and a restart
	// replays the log.
	AppendOnly bool
	// Save is the snapshot schedule ("3600 1 300 100"), empty for none.
	Save string
	// Err is why the settings could not be read.
	Err error
}

// CheckDurability reads the server's persistence settings with
// CONFIG GET appendonly and CONFIG GET save. It never fails: a refused
// CONFIG comes back as Checked false with the reason in Err.
func CheckDurability(ctx context.Context, c redis.UniversalClient) Durability {
	ao, err := c.ConfigGet(ctx, "appendonly").Result()
	if err != nil {
		return Durability{Err: err}
	}
	save, err := c.ConfigGet(ctx, "save").Result()
	if err != nil {
		return Durability{Err: err}
	}
	v, ok := ao["appendonly"]
	if !ok {
		return Durability{Err: fmt.Errorf("CONFIG GET appendonly answered nothing")}
	}
	return Durability{Checked: true, AppendOnly: strings.EqualFold(v, "yes"), Save: strings.TrimSpace(save["save"])}
}

// Durable reports whether a restart keeps every acknowledged plan.
func (d Durability) Durable() bool { return d.Checked && d.AppendOnly }

// Warning says in one line what a restart would lose, or "" when nothing.
func (d Durability) Warning() string {
	switch {
	case !d.Checked:
		return fmt.Sprintf("could not check Redis persistence (CONFIG GET refused: %v): "+
			"make sure the server runs with appendonly yes, or plans may be lost on restart", d.Err)
	case d.AppendOnly:
		return ""
	case d.Save == "":
		return "Redis has no persistence (appendonly no, no save schedule): every plan is lost when it restarts; " +
			"run it with appendonly yes"
	default:
		return fmt.Sprintf("Redis keeps snapshots only (save %q, appendonly no): plans made or changed since the "+
			"last snapshot are lost when it restarts; run it with appendonly yes", d.Save)
	}
}
