//! Options that hosts and tools give as text (a policy, a path case): the
//! error for a name that is none of an option's names.

/// An option given as text that is none of its names.
///
/// ```
/// use licman_core::{PathCase, Policy, UnmatchedPath};
/// assert_eq!("report_only".parse::<Policy>(), Ok(Policy::ReportOnly));
/// assert_eq!(PathCase::FoldAscii.name(), "fold_ascii");
/// assert_eq!(UnmatchedPath::NAMES, ["licensed", "deny"]);
/// let err = "strict".parse::<Policy>().unwrap_err();
/// assert_eq!(err.to_string(), "unknown Policy: expected one of enforce, advisory, report_only");
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct UnknownOption {
    /// The option's type.
    pub option: &'static str,
    /// The names it takes.
    pub names: &'static [&'static str],
}

impl core::fmt::Display for UnknownOption {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        write!(f, "unknown {}: expected one of ", self.option)?;
        for (i, name) in self.names.iter().enumerate() {
            if i > 0 {
                f.write_str(", ")?;
            }
            f.write_str(name)?;
        }
        Ok(())
    }
}

impl core::error::Error for UnknownOption {}
