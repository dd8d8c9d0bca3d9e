// Package filestore is an objstore.Bucket kept in a local folder, the
// default object store of a single node (./data/objects).
//
// # On-disk layout
//
// A key is split at "/" into segments; every segment but the last names a
// directory and the last names the object's file, which carries the suffix
// "%o". Segments are escaped so that any valid key maps to exactly one path
// and no file name can collide with a directory name or a temporary file:
//
//	key                                 path under root
//	segments/orders/0/00000000.log      segments/orders/0/00000000.log%o
//	segments/orders/0/00000000.index    segments/orders/0/00000000.index%o
//	a                                   a%o           <- object "a"
//	a/b                                 a/b%o         <- and object "a/b" coexist
//	a//b   (empty segment)              a/%e/b%o
//	./x    ("." segment)                %2E/x%o
//	50%    ("%" in a segment)           50%25%o
//
//	root/
//	├── a%o
//	├── a/
//	│   ├── b%o
//	│   └── %tmp-1234567    a Put in flight: never listed, never read
//	└── segments/
//	    └── orders/
//	        └── 0/
//	            ├── 00000000.log%o
//	            └── 00000000.index%o
//
// A segment whose name (with "%o" for the file) would pass 255 bytes, the
// longest file name of common file systems, becomes a chain of directories
// "<piece>%c" of at most 200 escaped bytes each, ending in the name of the
// rest: key "tier/<249-byte topic>-<id>/0/m" is stored as
// tier/<first 200 bytes>%c/<the rest>/0/m%o. List reads a "%c" directory as
// the start of a segment that its entries continue. Segments that fit keep
// their one name.
//
// Escaping: "%" becomes "%25", an empty segment "%e" and a "." segment
// "%2E"; nothing else changes. Escaped names therefore never contain "%o"
// or "%t" or "%c", which keeps the kinds of names apart: object files end
// in "%o", temporary files start with "%tmp-", pieces of long segments end
// in "%c", and every other name is a directory. Files that fit none of these (put there by hand) are ignored.
//
// # Writes
//
// Put creates the object's directories (fsyncing the parent of each new
// one), writes the data to a temporary file "%tmp-*" in the object's own
// directory, fsyncs it, renames it over the final name and fsyncs the
// directory. rename(2) is atomic, so a reader opens either the old or the new
// file, never a partial one; an open file keeps its contents even if it is
// replaced or deleted meanwhile, so Get and GetRange always read one version.
// PutIfAbsent does the same but link(2)s the temporary file to the final name
// instead of renaming it; link fails with EEXIST when the name exists, which
// makes the conditional create atomic. A crash may leave "%tmp-*" files
// behind; they are never listed or read, and can be deleted at any time
// (when no Put is running).
//
// A failed fsync poisons the store: every later Put and PutIfAbsent returns
// that error until the folder is opened again with New, because after a
// failed fsync the kernel may have dropped the dirty pages and a later fsync
// can succeed without writing them. A failed write (say ENOSPC) does not
// poison: its temporary file is removed and nothing visible changed.
//
// Delete unlinks the file, fsyncs its directory, then removes the emptied
// parent directories up to root, best effort: a directory that a concurrent
// Put has just filled stays, and a Put that finds its directory removed
// under it creates it again.
//
// # Listing
//
// List walks the subtree of the longest directory named by the prefix,
// pruning directories whose keys all sort before the page token or cannot
// match the prefix, then sorts the matching keys byte-wise and returns the
// first page. The page token is the last key returned. A page costs a walk
// of the not-yet-listed part of the subtree, so listing n keys in pages of
// p costs O(n²/p): fine for the segment counts of one node, not for millions
// of objects.
//
// The store holds no state in memory besides its root and keeps no locks:
// concurrency safety comes from the atomic file-system operations above.
package filestore
