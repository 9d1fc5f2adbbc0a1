def test_staff_get_a_chinese_403_page_on_the_dashboard(client, staff):
    client.force_login(staff)
    response = client.get("/dashboard/")
    assert response.status_code == 403
    assert "无权访问" in response.content.decode()
