pub mod core;

#[cfg(feature = "python")]
mod expressions;
#[cfg(feature = "python")]
mod python;
