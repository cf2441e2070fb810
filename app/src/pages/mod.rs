pub mod environment;
pub mod not_found;
pub mod overview;
pub mod region;
pub mod tenant;
pub mod tenants;
