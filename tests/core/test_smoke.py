def test_login_and_me(client, world):
    world.user("alice", ("admin", "ROOT"))
    r = client.post("/api/v1/auth/token", data={"username": "alice", "password": "correct-horse-battery"})
    assert r.status_code == 200, r.text
    tok = r.json()["access_token"]
    me = client.get("/api/v1/auth/me", headers={"Authorization": f"Bearer {tok}"})
    assert me.status_code == 200, me.text
    assert me.json()["username"] == "alice"
    r = client.get("/api/v1/org-units", headers=world.as_role("admin"))
    assert r.status_code == 200, r.text
    assert len(r.json()["items"]) == 6
