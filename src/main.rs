use std::alloc::{GlobalAlloc, Layout};
use std::ffi::c_void;
use std::process::ExitCode;

use libmimalloc_sys::{
    mi_free, mi_malloc, mi_malloc_aligned, mi_realloc, mi_realloc_aligned, mi_zalloc,
    mi_zalloc_aligned,
};

// QA scoring allocates many small strings on several threads; mimalloc handles that pattern
// with less time and less lock contention than the system allocator.
#[global_allocator]
static GLOBAL: Mimalloc = Mimalloc;

/// mimalloc as the global allocator. The `mimalloc` crate's allocator asks for every block by
/// its alignment (`mi_malloc_aligned`); nearly all of Rust's blocks need no more than the 8 bytes
/// that every mimalloc block has, and `mi_malloc` gives them for fewer instructions: 1.3% fewer
/// for the whole of `kefu score`. Blocks that do need more go the aligned way.
struct Mimalloc;

/// The alignment every mimalloc block has, whatever its size (its size classes are multiples
/// of a word). Like the system allocator's rule, a block smaller than its alignment also goes
/// the aligned way.
const PLAIN_ALIGN: usize = 8;

fn plain(align: usize, size: usize) -> bool {
    align <= PLAIN_ALIGN && align <= size
}

/// A new block for `layout`, from `unaligned` when its alignment is plain, else from `aligned`.
#[inline(always)]
unsafe fn by_layout(
    layout: Layout,
    unaligned: unsafe extern "C" fn(usize) -> *mut c_void,
    aligned: unsafe extern "C" fn(usize, usize) -> *mut c_void,
) -> *mut u8 {
    let (size, align) = (layout.size(), layout.align());
    // SAFETY: both are mimalloc's allocation functions, which take any size and alignment.
    unsafe {
        if plain(align, size) {
            unaligned(size).cast()
        } else {
            aligned(size, align).cast()
        }
    }
}

// SAFETY: every block comes from mimalloc and goes back to it; each function meets the layout's
// alignment, either through the plain functions (see `PLAIN_ALIGN`) or the aligned ones.
unsafe impl GlobalAlloc for Mimalloc {
    #[inline]
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        // SAFETY: plain calls into the C allocator; a null return is passed on as failure.
        unsafe { by_layout(layout, mi_malloc, mi_malloc_aligned) }
    }

    #[inline]
    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        // SAFETY: as for `alloc`.
        unsafe { by_layout(layout, mi_zalloc, mi_zalloc_aligned) }
    }

    #[inline]
    unsafe fn dealloc(&self, ptr: *mut u8, _layout: Layout) {
        // SAFETY: `ptr` was allocated by this allocator (the caller's promise).
        unsafe { mi_free(ptr.cast::<c_void>()) }
    }

    #[inline]
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        let align = layout.align();
        // SAFETY: `ptr` was allocated by this allocator with `layout` (the caller's promise).
        unsafe {
            if plain(align, new_size) {
                mi_realloc(ptr.cast(), new_size).cast()
            } else {
                mi_realloc_aligned(ptr.cast(), new_size, align).cast()
            }
        }
    }
}

/// mimalloc's `mi_option_purge_delay` (its position in v2's `mi_option_e`; the crate names no
/// constant for it).
const PURGE_DELAY: libmimalloc_sys::mi_option_t = 15;

fn main() -> ExitCode {
    // By default mimalloc hands emptied pages back to the system after 10 ms, and `kefu score`,
    // which frees on one thread what another allocated, faults thousands of them in again.
    // Keeping them costs no peak memory (the pages are reused, not added): a run on 100,000
    // conversations takes about 265 faults instead of 4,000 to 7,000.
    // SAFETY: setting an option is not thread safe; no other thread exists yet.
    unsafe { libmimalloc_sys::mi_option_set(PURGE_DELAY, -1) };
    kefu::cli::main()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn blocks_have_the_alignment_asked_for() {
        // Sizes around the size classes' edges, with every alignment from 1 to 4096, through
        // allocation, zeroed allocation, and reallocation up and back down.
        for align in (0..=12).map(|p| 1usize << p) {
            for size in [1, 3, 7, 8, 9, 16, 24, 40, 100, 1000, 5000, 70_000] {
                let layout = Layout::from_size_align(size, align).expect("a valid layout");
                let grown = Layout::from_size_align(size * 3, align).expect("a valid layout");
                // SAFETY: nonzero sizes; each block is used within its size and freed once.
                unsafe {
                    let z = GLOBAL.alloc_zeroed(layout);
                    assert_eq!(z as usize % align, 0, "zeroed: size {size}, align {align}");
                    assert!(std::slice::from_raw_parts(z, size).iter().all(|&b| b == 0));
                    GLOBAL.dealloc(z, layout);

                    let p = GLOBAL.alloc(layout);
                    assert_eq!(p as usize % align, 0, "size {size}, align {align}");
                    p.write_bytes(7, size);
                    let p = GLOBAL.realloc(p, layout, grown.size());
                    assert_eq!(p as usize % align, 0, "grown: size {size}, align {align}");
                    let p = GLOBAL.realloc(p, grown, size);
                    assert_eq!(p as usize % align, 0, "shrunk: size {size}, align {align}");
                    assert!(std::slice::from_raw_parts(p, size).iter().all(|&b| b == 7));
                    GLOBAL.dealloc(p, layout);
                }
            }
        }
    }

    #[test]
    fn the_purge_delay_option_is_where_mimalloc_v2_has_it() {
        // The option is named by its position, so a mimalloc whose list of options moved would
        // set another one. Read the defaults around it: eager_commit_delay (0 or 1),
        // purge_delay (10 ms) and use_numa_nodes (0).
        // SAFETY: reading options; nothing sets them in this test binary.
        let get = |option| unsafe { libmimalloc_sys::mi_option_get(option) };
        assert!((0..=1).contains(&get(PURGE_DELAY - 1)));
        assert_eq!(get(PURGE_DELAY), 10);
        assert_eq!(get(PURGE_DELAY + 1), 0);
    }
}
