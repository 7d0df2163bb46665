//! Shared criterion settings: modest samples, so `cargo bench -p bench-baselines` stays
//! well under two minutes. Command-line options (`--quick`, a filter, ...) still apply.

use std::time::Duration;

use criterion::Criterion;

pub(crate) fn criterion() -> Criterion {
    Criterion::default()
        .output_directory(&bench_baselines::report::criterion_dir())
        .sample_size(30)
        .warm_up_time(Duration::from_millis(1000))
        .measurement_time(Duration::from_secs(3))
        .configure_from_args()
}
