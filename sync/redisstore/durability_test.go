package redisstore

import (
	"context"
	"strings"
	"testing"

	"github.com/redis/go-redis/v9"

	"github.com/strengthsync/strengthsync/sync/storetest"
)

// TestCheckDurability reads the persistence settings of real servers
// started with and without the append-only file, with snapshots only, and
// as a managed Redis that refuses CONFIG.
func TestCheckDurability(t *testing.T) {
	for _, tc := range []struct {
		name    string
		opts    storetest.RedisOptions
		checked bool
		durable bool
		warning string // a part of the warning; "" for none
	}{
		{"append-only file", storetest.RedisOptions{Persist: true}, true, true, ""},
		{"no persistence", storetest.RedisOptions{}, true, false, "every plan is lost when it restarts"},
		{"snapshots only", storetest.RedisOptions{Args: []string{"--save", "3600 1"}}, true, false, `snapshots only (save "3600 1"`},
		{"CONFIG refused", storetest.RedisOptions{Persist: true, Args: []string{"--rename-command", "CONFIG", ""}}, false, false,
			"could not check Redis persistence"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv := storetest.StartRedis(t, tc.opts)
			c := redis.NewClient(&redis.Options{Addr: srv.Addr})
			defer c.Close()
			d := CheckDurability(context.Background(), c)
			if d.Checked != tc.checked || d.Durable() != tc.durable {
				t.Errorf("got %+v, want checked %v durable %v", d, tc.checked, tc.durable)
			}
			w := d.Warning()
			if (tc.warning == "") != (w == "") || !strings.Contains(w, tc.warning) || strings.Contains(w, "\n") {
				t.Errorf("warning %q, want one line with %q", w, tc.warning)
			}
		})
	}
}
