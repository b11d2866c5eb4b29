//! The process's memory allocator: mimalloc for the many small, short-lived
//! allocations of serving requests (per-thread free lists; glibc's malloc took about
//! a sixth of the server's CPU in a gRPC GetDashboard profile), the system allocator
//! for large blocks.
//!
//! Large blocks (argon2's 19 MiB per hash above all) stay with glibc, whose mmap
//! threshold the binary fixes at 1 MiB: each is mapped when allocated and returned to
//! the system when freed. mimalloc would keep such blocks in its per-thread caches, and
//! a burst of registrations left hundreds of MiB resident.

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicBool, Ordering};

/// mimalloc's option numbers (the order of `mi_option_e` in its v3 `mimalloc.h`).
const ARENA_EAGER_COMMIT: libmimalloc_sys::mi_option_t = 4;
const PURGE_DELAY: libmimalloc_sys::mi_option_t = 15;

/// How long mimalloc keeps a freed page before returning it to the system.
///
/// With no delay, every page freed was returned at once (an `madvise` system call,
/// and a TLB shootdown across the worker threads), and taken back moments later:
/// `bench/grpc_vs_rest.sh`'s GetDashboard gained 8–10 % on both protocols with 1 s
/// (30,400 → 33,100 req/s for REST, 29,900 → 32,900 for gRPC). The price is the
/// pages freed within the last second staying resident: `bench/load.sh`'s peak RSS
/// went from 96.5 to 124.6 MB (target < 150 MB).
const PURGE_DELAY_MS: std::ffi::c_long = 1000;

static CONFIGURED: AtomicBool = AtomicBool::new(false);

/// Before mimalloc's first allocation (it reserves its first arena then, before
/// `main`): arenas committed as they are used, not eagerly, and free pages purged
/// after `PURGE_DELAY_MS`. With eager commit the server's peak RSS under
/// `bench/load.sh` was 290–360 MiB instead of about 105–125 MiB; set from `main`,
/// the options came too late to change it.
#[inline]
fn configure() {
    if !CONFIGURED.load(Ordering::Relaxed) {
        // SAFETY: plain option setters; setting them twice (two threads racing on
        // the first allocations) is harmless.
        unsafe {
            libmimalloc_sys::mi_option_set(ARENA_EAGER_COMMIT, 0);
            libmimalloc_sys::mi_option_set(PURGE_DELAY, PURGE_DELAY_MS);
        }
        CONFIGURED.store(true, Ordering::Relaxed);
    }
}

/// Allocations of at least this many bytes go to the system allocator.
pub const LARGE: usize = 1 << 20;

pub struct Allocator;

fn large(size: usize) -> bool {
    size >= LARGE
}

// SAFETY: every block is freed (and resized) by the allocator that made it: the
// choice depends only on the block's size, which Rust passes back unchanged in the
// layout of `dealloc` and `realloc`; a resize across `LARGE` moves the block.
unsafe impl GlobalAlloc for Allocator {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        // SAFETY: the caller's contract (a non-zero-size layout) is passed on.
        unsafe {
            if large(layout.size()) {
                System.alloc(layout)
            } else {
                configure();
                mimalloc::MiMalloc.alloc(layout)
            }
        }
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        // SAFETY: as `alloc`.
        unsafe {
            if large(layout.size()) {
                System.alloc_zeroed(layout)
            } else {
                configure();
                mimalloc::MiMalloc.alloc_zeroed(layout)
            }
        }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: `ptr` came from `alloc` with this layout, so from the allocator
        // its size selects.
        unsafe {
            if large(layout.size()) {
                System.dealloc(ptr, layout)
            } else {
                mimalloc::MiMalloc.dealloc(ptr, layout)
            }
        }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        // SAFETY: `ptr` and `layout` are the caller's block; a move across allocators
        // copies the smaller of the two sizes and frees the old block with its own.
        unsafe {
            match (large(layout.size()), large(new_size)) {
                (true, true) => System.realloc(ptr, layout, new_size),
                (false, false) => mimalloc::MiMalloc.realloc(ptr, layout, new_size),
                _ => {
                    let new_layout = Layout::from_size_align_unchecked(new_size, layout.align());
                    let new = self.alloc(new_layout);
                    if !new.is_null() {
                        std::ptr::copy_nonoverlapping(ptr, new, layout.size().min(new_size));
                        self.dealloc(ptr, layout);
                    }
                    new
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The option numbers are written by hand: they must name the options meant
    /// (read at their defaults in mimalloc's `options.c`, 2 and 1000 ms, before
    /// `configure` sets them).
    /// Nothing else in this test binary allocates through `Allocator`, so the
    /// defaults are still in place when this test starts.
    fn check_option_numbers() {
        unsafe {
            assert_eq!(libmimalloc_sys::mi_option_get(ARENA_EAGER_COMMIT), 2);
            assert_eq!(libmimalloc_sys::mi_option_get(PURGE_DELAY), 1000);
            configure();
            assert_eq!(libmimalloc_sys::mi_option_get(ARENA_EAGER_COMMIT), 0);
            assert_eq!(libmimalloc_sys::mi_option_get(PURGE_DELAY), PURGE_DELAY_MS);
        }
    }

    #[test]
    fn options_then_blocks_move_between_allocators_across_the_threshold() {
        check_option_numbers();
        let a = Allocator;
        let layout = Layout::from_size_align(1000, 8).unwrap();
        unsafe {
            let p = a.alloc(layout);
            assert!(!p.is_null());
            for i in 0..1000 {
                *p.add(i) = (i % 251) as u8;
            }
            // small → large → small, the contents kept each time
            let big = a.realloc(p, layout, LARGE + 4096);
            assert!(!big.is_null());
            let big_layout = Layout::from_size_align(LARGE + 4096, 8).unwrap();
            *big.add(LARGE) = 7;
            let small = a.realloc(big, big_layout, 500);
            assert!(!small.is_null());
            for i in 0..500 {
                assert_eq!(*small.add(i), (i % 251) as u8);
            }
            a.dealloc(small, Layout::from_size_align(500, 8).unwrap());

            let z = a.alloc_zeroed(big_layout);
            assert!((0..LARGE + 4096).step_by(4093).all(|i| *z.add(i) == 0));
            a.dealloc(z, big_layout);
        }
    }
}
