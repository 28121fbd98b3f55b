def test_danish_by_default_english_on_request(client):
    da = client.get("/login").get_data(as_text=True)
    assert "Adgangskode" in da and 'lang="da"' in da
    en = client.get("/login?lang=en").get_data(as_text=True)
    assert "Password" in en and 'lang="en"' in en


def test_api_errors_in_the_users_language(client):
    resp = client.get("/api/spots.geojson?bbox=a,b", headers={"Accept-Language": "da"})
    assert resp.status_code == 422
    assert "bbox skal være" in resp.get_json()["error"]
