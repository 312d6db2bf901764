using System.Reflection;
using System.Runtime.ExceptionServices;

namespace IrohSocial.Fuzz;

/// <summary>
/// A static method of an SDK-internal type, called through reflection. Some parsers an attacker reaches
/// (certificate extension, control messages, envelope JSON) are internal and their assemblies grant
/// InternalsVisibleTo only to their own test projects; binding by name keeps the harness out of their files.
/// A rename fails loudly at the first call (the corpus replay tests run every target), never silently.
/// </summary>
internal sealed class InternalMethod
{
    private readonly MethodInfo _method;

    private InternalMethod(MethodInfo method) => _method = method;

    /// <summary>Finds <c>typeName.methodName(parameterTypes)</c> in the assembly that defines <paramref name="anchor"/>.</summary>
    public static InternalMethod Find(Type anchor, string typeName, string methodName, params Type[] parameterTypes)
    {
        var type = anchor.Assembly.GetType(typeName, throwOnError: true)!;
        var method = type.GetMethod(methodName, BindingFlags.Static | BindingFlags.Public | BindingFlags.NonPublic, parameterTypes)
            ?? throw new MissingMethodException(typeName, methodName);
        return new InternalMethod(method);
    }

    /// <summary>Invokes the method; exceptions it throws surface unwrapped, as they would from a direct call.</summary>
    public object? Invoke(params object?[] arguments)
    {
        try
        {
            return _method.Invoke(null, arguments);
        }
        catch (TargetInvocationException e) when (e.InnerException is not null)
        {
            ExceptionDispatchInfo.Throw(e.InnerException);
            throw;
        }
    }
}
