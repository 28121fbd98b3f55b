DEMO_PASSWORD = "walkapp-demo"
DEMO_USERS = []
def seed_demo(session, photo_dir):
    return "todo"
