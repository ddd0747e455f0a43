// The link to the webhooks page goes to the page itself when it is compiled in, else to the
// documentation built with every feature.
#![cfg_attr(
    all(feature = "webhooks", feature = "users"),
    doc = concat!(include_str!("../docs/guide.md"), "\n[`webhooks`]: crate::guide::webhooks\n")
)]
#![cfg_attr(
    not(all(feature = "webhooks", feature = "users")),
    doc = concat!(
        include_str!("../docs/guide.md"),
        "\n[`webhooks`]: https://docs.rs/genauth/latest/genauth/guide/webhooks/index.html\n"
    )
)]

#[cfg(all(feature = "webhooks", feature = "users"))]
#[cfg_attr(docsrs, doc(cfg(all(feature = "webhooks", feature = "users"))))]
#[doc = include_str!("../docs/guide/webhooks.md")]
pub mod webhooks {}

#[doc = include_str!("../docs/guide/errors.md")]
pub mod errors {}
