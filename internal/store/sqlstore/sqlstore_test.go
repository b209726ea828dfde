package sqlstore

import (
	"testing"
	"testing/fstest"
)

func TestRebind(t *testing.T) {
	d := Dialect{Numbered: true}
	cases := []struct{ in, want string }{
		{"SELECT 1", "SELECT 1"},
		{"a = ? AND b = ?", "a = $1 AND b = $2"},
		{insertSQL("t", "a, b", 2, 2), "INSERT INTO t (a, b) VALUES ($1, $2), ($3, $4)"},
	}
	for _, c := range cases {
		if got := d.rebind(c.in); got != c.want {
			t.Errorf("rebind(%q) = %q, want %q", c.in, got, c.want)
		}
	}
	if q := "a = ?"; (&Dialect{}).rebind(q) != q {
		t.Error("rebind changed a query for a ?-dialect")
	}
}

func TestLimit(t *testing.T) {
	for in, want := range map[int]int{-5: 100, 0: 100, 1: 1, 1000: 1000, 1001: 1000} {
		if got := limit(in); got != want {
			t.Errorf("limit(%d) = %d, want %d", in, got, want)
		}
	}
}

func TestLoadMigrations(t *testing.T) {
	ms, err := loadMigrations(fstest.MapFS{
		"0002_b.sql": {Data: []byte("B")},
		"0010_c.sql": {Data: []byte("C")},
		"0001_a.sql": {Data: []byte("A")},
		"README.md":  {Data: []byte("not a migration")},
	})
	if err != nil {
		t.Fatal(err)
	}
	var got []int
	for _, m := range ms {
		got = append(got, m.version)
	}
	if len(got) != 3 || got[0] != 1 || got[1] != 2 || got[2] != 10 || ms[2].name != "0010_c" || ms[0].sql != "A" {
		t.Fatalf("loadMigrations: %+v", ms)
	}
	for name, fsys := range map[string]fstest.MapFS{
		"bad name":   {"init.sql": {}},
		"zero":       {"0000_x.sql": {}},
		"duplicate":  {"0001_a.sql": {}, "01_b.sql": {}},
		"no version": {"x_y.sql": {}},
	} {
		if _, err := loadMigrations(fsys); err == nil {
			t.Errorf("%s: loadMigrations accepted %v", name, fsys)
		}
	}
}
