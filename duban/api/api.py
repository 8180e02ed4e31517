from ninja import NinjaAPI

api = NinjaAPI(title="duban API", version="1", urls_namespace="api")
