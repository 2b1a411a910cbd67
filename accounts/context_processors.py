from accounts.roles import permissions_of, roles_of


def roles(request):
    user = request.user
    return {"perms_of_role": permissions_of(user), "user_roles": roles_of(user)}
