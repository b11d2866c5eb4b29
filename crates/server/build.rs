//! Compiles the gRPC `.proto` files with protox (pure Rust, no `protoc` needed) and
//! keeps the encoded descriptor set for server reflection.
//!
//! The generated messages also derive serde with the REST JSON's field names, so a
//! service result (the same value REST serializes) converts to its protobuf type in
//! one step (see `grpc::convert`).

use prost::Message;
use std::path::PathBuf;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    println!("cargo:rerun-if-changed=proto");
    let fds = protox::compile(["shonen/v1/shonen.proto"], ["proto"])?;
    let out = PathBuf::from(std::env::var("OUT_DIR")?);
    std::fs::write(out.join("shonen_descriptor.bin"), fds.encode_to_vec())?;
    tonic_prost_build::configure()
        .build_client(true)
        .build_server(true)
        .message_attribute(
            ".shonen.v1",
            "#[derive(serde::Serialize, serde::Deserialize)] #[serde(default)]",
        )
        // REST says "absent" with `null`; a message field reads it as its default, so
        // a service result converts straight from its JSON text (`grpc::convert`).
        .field_attribute(
            ".shonen.v1",
            "#[serde(deserialize_with = \"crate::grpc::convert::null_as_default\")]",
        )
        // Oneofs (the event's `data`) read `{"<type>": {...}}`.
        .enum_attribute(
            ".shonen.v1",
            "#[derive(serde::Serialize, serde::Deserialize)] #[serde(rename_all = \"snake_case\")]",
        )
        // Written by hand, to send parts the server keeps already encoded
        // (`grpc::dashboard`).
        .extern_path(".shonen.v1.Dashboard", "crate::grpc::proto::Dashboard")
        .compile_fds(fds)?;
    Ok(())
}
