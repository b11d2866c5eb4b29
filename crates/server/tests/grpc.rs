//! gRPC on the same port as REST: the same operations, errors as statuses, reflection.

mod common;

use common::{Backend, TestApp};
use shonen_server::grpc::proto::shonen_client::ShonenClient;
use shonen_server::grpc::proto::{
    GetActivityRequest, GetDashboardRequest, GetMeRequest, Goals, ListActivitiesRequest,
    LogActivityRequest, LoginRequest, RegisterRequest, Set,
};
use tonic::Code;
use tonic::metadata::MetadataValue;

both_backends!(grpc_matches_rest);

fn authed<T>(msg: T, token: &str) -> tonic::Request<T> {
    let mut req = tonic::Request::new(msg);
    let value: MetadataValue<_> = format!("Bearer {token}").parse().unwrap();
    req.metadata_mut().insert("authorization", value);
    req
}

async fn grpc_matches_rest(b: Backend) {
    let app = TestApp::spawn(b).await;
    let mut client = ShonenClient::connect(app.base.clone())
        .await
        .expect("gRPC on the REST port");

    let reply = client
        .register(RegisterRequest {
            username: "piccolo".into(),
            email: "piccolo@example.com".into(),
            password: "correct horse battery".into(),
            timezone: Some("Europe/Berlin".into()),
            goals: Some(Goals {
                strength: 0,
                agility: 9,
                intelligence: 0,
            }),
        })
        .await
        .unwrap()
        .into_inner();
    let player = reply.player.unwrap();
    assert_eq!(player.class, "speedster");
    assert_eq!(player.timezone, "Europe/Berlin");
    let token = reply.token;

    let err = client
        .register(RegisterRequest {
            username: "x".into(),
            email: "bad".into(),
            password: "short".into(),
            timezone: None,
            goals: Some(Goals::default()),
        })
        .await
        .unwrap_err();
    assert_eq!(err.code(), Code::InvalidArgument);
    assert!(err.message().contains("username"), "{}", err.message());

    let login = client
        .login(LoginRequest {
            username: "piccolo".into(),
            password: "correct horse battery".into(),
        })
        .await
        .unwrap()
        .into_inner();
    assert!(!login.token.is_empty());

    let err = client.get_me(GetMeRequest {}).await.unwrap_err();
    assert_eq!(err.code(), Code::Unauthenticated);
    let me = client
        .get_me(authed(GetMeRequest {}, &token))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(me.username, "piccolo");

    let sets: Vec<Set> = (0..4)
        .map(|_| Set {
            exercise: "squat".into(),
            weight_kg: 10.0,
            reps: 15,
        })
        .collect();
    let logged = client
        .log_activity(authed(
            LogActivityRequest {
                kind: "strength".into(),
                duration_min: Some(25.0),
                sets,
                ..Default::default()
            },
            &token,
        ))
        .await
        .unwrap()
        .into_inner();
    let award = logged.award.unwrap();
    assert_eq!(award.r#final, 23);
    assert!(award.factors.iter().any(|f| f.name == "consistency"));
    let id = logged.activity.unwrap().id;

    let spam: Vec<Set> = (0..50)
        .map(|_| Set {
            exercise: "pushup".into(),
            weight_kg: 0.0,
            reps: 10,
        })
        .collect();
    let err = client
        .log_activity(authed(
            LogActivityRequest {
                kind: "strength".into(),
                duration_min: Some(60.0),
                sets: spam,
                ..Default::default()
            },
            &token,
        ))
        .await
        .unwrap_err();
    assert_eq!(err.code(), Code::InvalidArgument);
    assert!(
        err.message().starts_with("volume_zero"),
        "{}",
        err.message()
    );

    let got = client
        .get_activity(authed(GetActivityRequest { id }, &token))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(got.award.unwrap().r#final, 23);
    let err = client
        .get_activity(authed(GetActivityRequest { id: 999_999 }, &token))
        .await
        .unwrap_err();
    assert_eq!(err.code(), Code::NotFound);
    let page = client
        .list_activities(authed(
            ListActivitiesRequest {
                limit: Some(10),
                before: None,
            },
            &token,
        ))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(page.items.len(), 1);
    let dash = client
        .get_dashboard(authed(GetDashboardRequest {}, &token))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(dash.weekly.len(), 12);
    assert_eq!(dash.player.unwrap().total_xp, 23);

    // The REST API sees the same player.
    assert_eq!(app.me(&token).await["total_xp"], 23);

    // Server reflection lists the service.
    use tonic_reflection::pb::v1::ServerReflectionRequest;
    use tonic_reflection::pb::v1::server_reflection_client::ServerReflectionClient;
    use tonic_reflection::pb::v1::server_reflection_request::MessageRequest;
    use tonic_reflection::pb::v1::server_reflection_response::MessageResponse;
    let channel = tonic::transport::Channel::from_shared(app.base.clone())
        .unwrap()
        .connect()
        .await
        .unwrap();
    let mut reflection = ServerReflectionClient::new(channel);
    let request = ServerReflectionRequest {
        host: String::new(),
        message_request: Some(MessageRequest::ListServices(String::new())),
    };
    let mut stream = reflection
        .server_reflection_info(tokio_stream::iter(vec![request]))
        .await
        .unwrap()
        .into_inner();
    let reply = stream.message().await.unwrap().unwrap();
    let Some(MessageResponse::ListServicesResponse(list)) = reply.message_response else {
        panic!("unexpected reflection reply");
    };
    assert!(
        list.service.iter().any(|s| s.name == "shonen.v1.Shonen"),
        "{:?}",
        list.service
    );
}
