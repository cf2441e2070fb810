pub mod failure;
pub mod health;
pub mod layout;
pub mod loaded;
