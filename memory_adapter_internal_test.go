package socketio

import (
	"fmt"
	"slices"
	"testing"
)

// A socket's room set is a slice while small and a map past maxRoomList;
// both forms must agree with the room → sockets index, and leave nothing
// behind.
func TestMemoryAdapterSocketRoomsForms(t *testing.T) {
	for _, n := range []int{1, 2, maxRoomList, maxRoomList + 1, 3 * maxRoomList} {
		t.Run(fmt.Sprint(n), func(t *testing.T) {
			a := NewMemoryAdapter(nil)
			var rooms []string
			for i := range n {
				rooms = append(rooms, fmt.Sprintf("r%d", i))
			}
			a.AddAll("s1", rooms)
			a.AddAll("s1", append([]string{"s1"}, rooms...)) // duplicates and the own id room are no-ops
			a.AddAll("s2", rooms[:1])
			check := func(want []string) {
				t.Helper()
				got := a.SocketRooms("s1")
				slices.Sort(got)
				want = append([]string{"s1"}, want...)
				slices.Sort(want)
				if !slices.Equal(got, want) {
					t.Fatalf("SocketRooms = %v, want %v", got, want)
				}
				for _, r := range rooms {
					_, in := a.rooms[r]["s1"]
					if in != slices.Contains(want, r) {
						t.Fatalf("room %s: s1 member %v, want %v", r, in, !in)
					}
				}
			}
			check(rooms)
			a.Del("s1", rooms[0])
			a.Del("s1", "nope")
			check(rooms[1:])
			if _, ok := a.rooms[rooms[0]]["s2"]; !ok {
				t.Fatal("s2 left a room it did not leave")
			}
			a.DelAll("s1")
			check(nil)
			if _, ok := a.sids["s1"]; ok {
				t.Fatal("s1 still indexed after DelAll")
			}
			a.Del("s2", rooms[0])
			if len(a.rooms) != 0 || len(a.sids) != 0 {
				t.Fatalf("left over: rooms %v, sids %v", a.rooms, a.sids)
			}
		})
	}
}
