//! Host programs that embed licman: see the `[[example]]` targets.
