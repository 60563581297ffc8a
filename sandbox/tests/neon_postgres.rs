//! The Neon simulator through `neon-client`: a created project's connection URI reaches a real PostgreSQL
//! server (when PostgreSQL is installed), the role's password is really checked, and deleting the project stops
//! its server.

use neon_client::NeonClient;
use sandbox::neon::NeonSim;
use sandbox::postgres::PostgresServer;
use secrecy::ExposeSecret;

async fn client(sim: &NeonSim) -> (sandbox::SimServer, NeonClient) {
    let server = sim.clone().start(sandbox::RequestLog::new()).await.expect("server");
    let neon = NeonClient::builder()
        .api_key(secrecy::SecretString::from(sim.api_key()))
        .base_url(format!("{}/api/v2", server.base_url()))
        .build()
        .expect("client");
    (server, neon)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_connection_uri_reaches_a_real_postgres_and_delete_stops_it() {
    if !PostgresServer::is_installed() {
        eprintln!(
            "PostgreSQL is not installed; skipping the real-database part (install it with apt-get install -y postgresql)"
        );
        assert!(!NeonSim::new().postgres_available());
        return;
    }
    let sim = NeonSim::new();
    let (_server, neon) = client(&sim).await;
    let created = neon.projects().create("lobehub").region("aws-eu-central-1").send().await.expect("create");
    let direct = neon.projects().default_connection_uri(&created.project.id, false).await.expect("uri");
    // The compute starts asynchronously, as on Neon.
    let (waiter, id) = (sim.clone(), created.project.id.clone());
    let ready = tokio::task::spawn_blocking(move || waiter.wait_until_ready(&id, std::time::Duration::from_secs(120)))
        .await
        .expect("wait");
    assert!(ready, "the project's PostgreSQL server did not start: {:?}", sim.psql(&created.project.id, "select 1"));
    assert_eq!(direct.expose_secret(), created.connection_uris[0].connection_uri.expose_secret());

    let (db, conn) = tokio_postgres::connect(direct.expose_secret(), tokio_postgres::NoTls).await.expect("connect");
    let task = tokio::spawn(conn);
    let row = db.query_one("select 1::int4, current_user::text, current_database()::text", &[]).await.expect("select");
    assert_eq!(row.get::<_, i32>(0), 1);
    assert_eq!(row.get::<_, String>(1), "neondb_owner");
    assert_eq!(row.get::<_, String>(2), "neondb");
    drop(db);
    let _ = task.await;

    // A wrong password is refused by the real server.
    let wrong = direct.expose_secret().replacen(":npg_", ":npg_wrong", 1);
    assert!(tokio_postgres::connect(&wrong, tokio_postgres::NoTls).await.is_err());

    // The pooled URI names the same server another way.
    let pooled = neon.projects().default_connection_uri(&created.project.id, true).await.expect("pooled");
    assert!(pooled.expose_secret().contains("@localhost:"));

    neon.projects().delete(&created.project.id).await.expect("delete");
    assert!(tokio_postgres::connect(direct.expose_secret(), tokio_postgres::NoTls).await.is_err());
}

#[tokio::test]
async fn api_behaviour_without_postgres() {
    let sim = NeonSim::without_postgres();
    let (_server, neon) = client(&sim).await;
    let a = neon.projects().create("lobehub").send().await.expect("create");
    let _b = neon.projects().create("other").send().await.expect("create");
    assert_eq!(neon.projects().find_by_name("lobehub").await.expect("find").map(|p| p.id), Some(a.project.id.clone()));
    neon.projects().create("lobehub").send().await.expect("names are not unique on Neon");
    let e = neon.projects().find_by_name("lobehub").await.expect_err("two of one name");
    assert_eq!(e.kind(), &neon_client::ErrorKind::Conflict);
    let e = neon.projects().get("nope").await.expect_err("missing");
    assert!(e.is_not_found());
    assert!(e.request_id().is_some());
    let e = neon.projects().connection_uri(&a.project.id, None, "neondb", "someone", false).await.expect_err("role");
    assert!(e.is_not_found());
}

/// A client that connects as soon as the project exists (as `provision verify` does, waiting only while the
/// connection is refused or the server is starting up) gets in on its first non-refused attempt: the role exists before the port listens.
/// CI once saw "password authentication failed for user neondb_owner" from a server that listened before its
/// role was created.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_first_accepted_connection_already_knows_the_role() {
    if !PostgresServer::is_installed() {
        eprintln!("PostgreSQL is not installed; skipping (install it with apt-get install -y postgresql)");
        return;
    }
    let sim = NeonSim::new();
    let (_server, neon) = client(&sim).await;
    let created = neon.projects().create("lobehub").send().await.expect("create");
    let uri = created.connection_uris[0].connection_uri.expose_secret().to_string();
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(120);
    let mut refused = 0u32;
    loop {
        match tokio_postgres::connect(&uri, tokio_postgres::NoTls).await {
            Ok((db, conn)) => {
                let task = tokio::spawn(conn);
                let row = db.query_one("select current_user::text", &[]).await.expect("select");
                assert_eq!(row.get::<_, String>(0), "neondb_owner");
                drop(db);
                let _ = task.await;
                break;
            }
            Err(e) => {
                // Transient while the compute starts: refused, or SQLSTATE 57P03 cannot_connect_now.
                let text = format!("{e:?}").to_ascii_lowercase();
                let starting =
                    text.contains("refused") || e.code() == Some(&tokio_postgres::error::SqlState::CANNOT_CONNECT_NOW);
                assert!(starting, "the first answer after refusals was an error: {e:?}");
                assert!(std::time::Instant::now() < deadline, "the server never started");
                refused += 1;
                tokio::time::sleep(std::time::Duration::from_millis(5)).await;
            }
        }
    }
    eprintln!("connected after {refused} refused attempts");
}
