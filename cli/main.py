"""Entry point of the `claims` command."""
def main():
    print("claims")
