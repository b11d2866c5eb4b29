"""A gRPC client from another language: Python grpcio, knowing nothing of the
service but its address. It reads the API through server reflection (grpcio's
reflection client speaks v1alpha), builds the messages from the descriptors it
received, calls the service and reads the google.rpc error details.

Usage: grpc_client.py HOST:PORT  (exit status 0 when every check passes)
"""

import sys
import time

import grpc
from google.protobuf import descriptor_pool, message_factory
from google.rpc import error_details_pb2
from grpc_reflection.v1alpha.proto_reflection_descriptor_database import (
    ProtoReflectionDescriptorDatabase,
)
from grpc_status import rpc_status


def main(target: str) -> None:
    channel = grpc.insecure_channel(target)
    grpc.channel_ready_future(channel).result(timeout=10)
    db = ProtoReflectionDescriptorDatabase(channel)
    services = db.get_services()
    assert "shonen.v1.Shonen" in services, services
    assert "grpc.health.v1.Health" in services, services
    pool = descriptor_pool.DescriptorPool(db)
    service = pool.FindServiceByName("shonen.v1.Shonen")
    methods = {m.name for m in service.methods}
    for name in ["Register", "Login", "GetMe", "UpdateSettings", "LogActivity",
                 "GetDashboard", "GetLeaderboard", "CreateDuel", "GetBoss", "Subscribe"]:
        assert name in methods, (name, sorted(methods))

    def message(name, **fields):
        cls = message_factory.GetMessageClass(pool.FindMessageTypeByName("shonen.v1." + name))
        return cls(**fields)

    def call(method, request, token=None):
        m = service.FindMethodByName(method)
        reply = message_factory.GetMessageClass(m.output_type)
        stub = channel.unary_unary(
            f"/shonen.v1.Shonen/{method}",
            request_serializer=lambda r: r.SerializeToString(),
            response_deserializer=reply.FromString,
        )
        metadata = [("authorization", f"Bearer {token}")] if token else None
        return stub(request, metadata=metadata, timeout=10)

    name = f"py{int(time.time() * 1000) % 10**9}"
    goals = message("Goals", strength=0, agility=9, intelligence=0)
    auth = call("Register", message("RegisterRequest", username=name,
                                    email=f"{name}@example.com",
                                    password="correct horse battery", goals=goals))
    assert auth.player.username == name, auth
    token = auth.token
    me = call("GetMe", message("GetMeRequest"), token)
    assert me.username == name, me
    assert getattr(me, "class") == "speedster", me

    logged = call("LogActivity", message("LogActivityRequest", kind="run",
                                         distance_km=5.0, duration_min=30.0), token)
    assert logged.award.final > 0, logged
    dash = call("GetDashboard", message("GetDashboardRequest"), token)
    assert len(dash.weekly) == 12 and dash.boss.name, dash

    # Errors carry google.rpc details: the field of a validation error.
    try:
        call("Register", message("RegisterRequest", username=name + "x",
                                 email=f"{name}x@example.com",
                                 password="correct horse battery"))
        raise AssertionError("register without goals succeeded")
    except grpc.RpcError as e:
        assert e.code() == grpc.StatusCode.INVALID_ARGUMENT, e
        status = rpc_status.from_call(e)
        kinds = [d.type_url.rsplit("/", 1)[-1] for d in status.details]
        assert "google.rpc.BadRequest" in kinds, kinds
        for d in status.details:
            if d.Is(error_details_pb2.BadRequest.DESCRIPTOR):
                bad = error_details_pb2.BadRequest()
                d.Unpack(bad)
                assert bad.field_violations, bad
    try:
        call("Register", message("RegisterRequest", username=name,
                                 email=f"{name}2@example.com",
                                 password="correct horse battery", goals=goals))
        raise AssertionError("a taken username was accepted")
    except grpc.RpcError as e:
        assert e.code() == grpc.StatusCode.ALREADY_EXISTS, e

    # Too large a message (past the server's limit): RESOURCE_EXHAUSTED with details.
    for size in (6 << 20, 20 << 20):
        try:
            call("SetAvatar", message("SetAvatarRequest", image=bytes(size)), token)
            raise AssertionError(f"a {size}-byte avatar was accepted")
        except grpc.RpcError as e:
            assert e.code() == grpc.StatusCode.RESOURCE_EXHAUSTED, (size, e)
            status = rpc_status.from_call(e)
            assert status is not None and status.details, (size, e)

    for path in ("/nope.v1.Nope/Call", "/shonen.v1.Shonen/", "/shonen.v1.Shonen/Nope"):
        try:
            channel.unary_unary(path)(b"", timeout=10)
            raise AssertionError(f"{path} answered")
        except grpc.RpcError as e:
            assert e.code() == grpc.StatusCode.UNIMPLEMENTED, (path, e)
    print(f"python grpcio client: {len(methods)} methods via reflection v1alpha; all checks passed")


if __name__ == "__main__":
    main(sys.argv[1])
