use std::process::ExitCode;

// QA scoring allocates many small strings on several threads; mimalloc handles that pattern
// with less time and less lock contention than the system allocator.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

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
    use super::PURGE_DELAY;

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
